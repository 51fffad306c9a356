/**
 * OTLP/JSON (https://opentelemetry.io/docs/specs/otlp/#json-protobuf-encoding): the
 * ExportTraceServiceRequest a collector's `/v1/traces` takes with `content-type:
 * application/json` — ids as hex strings, times as decimal strings of nanoseconds, enums as
 * numbers — and the way back, for the embedded receiver.
 */
import type { AttributeValue, SpanKind, SpanRecord } from './tracer.ts';

const KIND: Readonly<Record<SpanKind, number>> = { internal: 1, server: 2, client: 3 };
const KIND_NAME: Readonly<Record<number, SpanKind>> = { 1: 'internal', 2: 'server', 3: 'client' };
const STATUS_OK = 1;
const STATUS_ERROR = 2;

interface OtlpValue {
  stringValue?: string;
  intValue?: string | number;
  doubleValue?: number;
  boolValue?: boolean;
}
interface OtlpAttribute {
  key: string;
  value: OtlpValue;
}
export interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  attributes: OtlpAttribute[];
  status: { code: number; message?: string };
}
export interface OtlpRequest {
  resourceSpans: {
    resource: { attributes: OtlpAttribute[] };
    scopeSpans: { scope: { name: string; version?: string }; spans: OtlpSpan[] }[];
  }[];
}

export const SCOPE = { name: 'ai-fusion-core', version: '0.1.0' };

/** One request carrying `spans` of the process whose `service.name` is `service`. */
export function toOtlp(
  service: string,
  spans: readonly SpanRecord[],
  resource: Readonly<Record<string, string>> = {},
): OtlpRequest {
  return {
    resourceSpans: [
      {
        resource: { attributes: attributes({ 'service.name': service, ...resource }) },
        scopeSpans: [{ scope: SCOPE, spans: spans.map(toOtlpSpan) }],
      },
    ],
  };
}

function toOtlpSpan(span: SpanRecord): OtlpSpan {
  return {
    traceId: span.traceId,
    spanId: span.spanId,
    ...(span.parentSpanId !== undefined && { parentSpanId: span.parentSpanId }),
    name: span.name,
    kind: KIND[span.kind],
    startTimeUnixNano: nanos(span.startMs),
    endTimeUnixNano: nanos(span.endMs),
    attributes: attributes(span.attributes),
    status:
      span.error === undefined ? { code: STATUS_OK } : { code: STATUS_ERROR, message: span.error },
  };
}

/**
 * Milliseconds since the epoch (with a fraction) to nanoseconds, as a decimal string. A double
 * this large holds the fraction to about a quarter of a microsecond, so microseconds are kept.
 */
function nanos(ms: number): string {
  const whole = Math.floor(ms);
  const micros = Math.round((ms - whole) * 1e3);
  return (BigInt(whole) * 1_000_000n + BigInt(micros) * 1_000n).toString();
}

function attributes(values: Readonly<Record<string, AttributeValue>>): OtlpAttribute[] {
  return Object.entries(values).map(([key, value]) => ({
    key,
    value:
      typeof value === 'string'
        ? { stringValue: value }
        : typeof value === 'boolean'
          ? { boolValue: value }
          : Number.isInteger(value)
            ? { intValue: String(value) }
            : { doubleValue: value },
  }));
}

/** A span received, with the service that sent it. */
export interface ReceivedSpan extends SpanRecord {
  readonly service: string;
}

/**
 * The spans of an OTLP/JSON request; throws an Error naming what is wrong (the receiver answers
 * it as a 400). Ids may be hex (the spec) or base64 (what some protobuf-to-JSON encoders write).
 */
export function fromOtlp(body: unknown): ReceivedSpan[] {
  const request = body as Partial<OtlpRequest> | null;
  if (!request || !Array.isArray(request.resourceSpans)) {
    throw new Error('expected an ExportTraceServiceRequest: an object with resourceSpans[]');
  }
  const spans: ReceivedSpan[] = [];
  request.resourceSpans.forEach((resourceSpans, r) => {
    const resource = valuesOf(resourceSpans?.resource?.attributes ?? []);
    const service = String(resource['service.name'] ?? 'unknown');
    for (const [s, scopeSpans] of (resourceSpans?.scopeSpans ?? []).entries()) {
      for (const [i, span] of (scopeSpans?.spans ?? []).entries()) {
        const where = `resourceSpans[${r}].scopeSpans[${s}].spans[${i}]`;
        const traceId = hexId(span?.traceId, 32, `${where}.traceId`);
        const spanId = hexId(span?.spanId, 16, `${where}.spanId`);
        const parent = span?.parentSpanId
          ? hexId(span.parentSpanId, 16, `${where}.parentSpanId`)
          : undefined;
        const start = Number(span?.startTimeUnixNano) / 1e6;
        const end = Number(span?.endTimeUnixNano) / 1e6;
        if (!Number.isFinite(start) || !Number.isFinite(end)) {
          throw new Error(
            `${where}: startTimeUnixNano and endTimeUnixNano must be numbers of nanoseconds`,
          );
        }
        const error =
          span.status?.code === STATUS_ERROR ? (span.status.message ?? 'error') : undefined;
        spans.push({
          service,
          traceId,
          spanId,
          ...(parent !== undefined && { parentSpanId: parent }),
          name: String(span.name ?? ''),
          kind: KIND_NAME[span.kind] ?? 'internal',
          startMs: start,
          endMs: end,
          attributes: valuesOf(span.attributes ?? []),
          ...(error !== undefined && { error }),
        });
      }
    }
  });
  return spans;
}

function hexId(value: unknown, digits: number, where: string): string {
  if (typeof value === 'string') {
    if (new RegExp(`^[0-9a-fA-F]{${digits}}$`).test(value)) return value.toLowerCase();
    const decoded = Buffer.from(value, 'base64');
    if (decoded.length === digits / 2) return decoded.toString('hex');
  }
  throw new Error(`${where}: expected ${digits} hex digits, got ${JSON.stringify(value)}`);
}

function valuesOf(list: readonly OtlpAttribute[]): Record<string, AttributeValue> {
  const out: Record<string, AttributeValue> = {};
  for (const { key, value } of list) {
    if (value?.stringValue !== undefined) out[key] = value.stringValue;
    else if (value?.boolValue !== undefined) out[key] = value.boolValue;
    else if (value?.intValue !== undefined) out[key] = Number(value.intValue);
    else if (value?.doubleValue !== undefined) out[key] = value.doubleValue;
  }
  return out;
}
