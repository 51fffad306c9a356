/**
 * A stored trace in the shape of Jaeger's query API (what `/api/traces/{id}` answers in Jaeger
 * itself), so Jaeger's UI and Grafana's Jaeger data source read the receiver as they read
 * Jaeger. Tags follow the OpenTelemetry-to-Jaeger mapping those tools expect: `span.kind`, and
 * on a failed span `error: true`, `otel.status_code: ERROR` and `otel.status_description`.
 */
import type {
  JaegerError,
  JaegerProcess,
  JaegerResponse,
  JaegerSpan,
  JaegerTag,
  JaegerTrace,
} from '@fusion/mesh-types';
import type { AttributeValue, ReceivedSpan } from '@fusion/telemetry';
import type { StoredTrace } from './store.ts';

/** Jaeger's flag bit for a sampled span: everything the receiver holds was sampled. */
const SAMPLED = 1;

export function toJaegerTrace(trace: StoredTrace): JaegerTrace {
  // One process per service, numbered in order of first appearance as Jaeger does (p1, p2, …).
  const processIds = new Map<string, string>();
  const processes: Record<string, JaegerProcess> = {};
  const spans = [...trace.spans]
    .sort((a, b) => a.startMs - b.startMs)
    .map((span) => {
      let processID = processIds.get(span.service);
      if (processID === undefined) {
        processID = `p${processIds.size + 1}`;
        processIds.set(span.service, processID);
        processes[processID] = { serviceName: span.service, tags: [] };
      }
      return toJaegerSpan(span, processID);
    });
  const warnings =
    trace.droppedSpans > 0
      ? [
          `${trace.droppedSpans} span(s) of this trace not kept: past the receiver's spans-per-trace bound`,
        ]
      : null;
  return { traceID: trace.traceId, spans, processes, warnings };
}

function toJaegerSpan(span: ReceivedSpan, processID: string): JaegerSpan {
  // Both ends rounded, so start + duration is the rounded end and siblings line up exactly.
  const startTime = micros(span.startMs);
  const tags = Object.entries(span.attributes).map(([key, value]) => tag(key, value));
  tags.push(tag('span.kind', span.kind));
  if (span.error !== undefined) {
    tags.push(
      tag('error', true),
      tag('otel.status_code', 'ERROR'),
      tag('otel.status_description', span.error),
    );
  }
  return {
    traceID: span.traceId,
    spanID: span.spanId,
    flags: SAMPLED,
    operationName: span.name,
    references:
      span.parentSpanId === undefined
        ? []
        : [{ refType: 'CHILD_OF', traceID: span.traceId, spanID: span.parentSpanId }],
    startTime,
    duration: Math.max(0, micros(span.endMs) - startTime),
    tags,
    logs: [],
    processID,
    warnings: null,
  };
}

function micros(ms: number): number {
  return Math.round(ms * 1000);
}

function tag(key: string, value: AttributeValue): JaegerTag {
  if (typeof value === 'string') return { key, type: 'string', value };
  if (typeof value === 'boolean') return { key, type: 'bool', value };
  return { key, type: Number.isInteger(value) ? 'int64' : 'float64', value };
}

/** A successful body: `data`, its count, no errors. */
export function jaegerData<T>(data: T[]): JaegerResponse<T[]> {
  return { data, total: data.length, limit: 0, offset: 0, errors: null };
}

/** A refusal: no data, one error carrying the status it comes with. */
export function jaegerError(code: number, msg: string): JaegerResponse<[]> {
  const error: JaegerError = { code, msg };
  return { data: [], total: 0, limit: 0, offset: 0, errors: [error] };
}
