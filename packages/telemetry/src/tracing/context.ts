/**
 * Trace context on the wire: W3C Trace Context (`traceparent`, `tracestate`; RFC-style rules in
 * https://www.w3.org/TR/trace-context/) and B3, which Linkerd speaks (`b3` single header, or
 * `x-b3-traceid`/`x-b3-spanid`/`x-b3-sampled`). Read leniently in that order, written as
 * `traceparent` (and `tracestate` passed on untouched).
 */
import { randomFillSync } from 'node:crypto';

export interface SpanContext {
  /** 32 lowercase hex digits, not all zero. */
  readonly traceId: string;
  /** 16 lowercase hex digits, not all zero: the span that is the parent of the next one. */
  readonly spanId: string;
  readonly sampled: boolean;
  /** The caller's `tracestate`, passed on as it came. */
  readonly traceState?: string;
}

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;
const ZERO_TRACE = '0'.repeat(32);
const ZERO_SPAN = '0'.repeat(16);

/** W3C §3.2: version 00 (or a later one read as 00), ids not all zero, flags bit 0 = sampled. */
export function parseTraceparent(
  value: string | undefined,
  traceState?: string,
): SpanContext | undefined {
  if (value === undefined) return undefined;
  const match = TRACEPARENT.exec(value.trim());
  if (!match) return undefined;
  const [, version, traceId, spanId, flags] = match as unknown as [
    string,
    string,
    string,
    string,
    string,
  ];
  // §3.2.2.1: version ff is invalid; a later version may carry more fields (not matched here).
  if (version === 'ff' || traceId === ZERO_TRACE || spanId === ZERO_SPAN) return undefined;
  return {
    traceId,
    spanId,
    sampled: (Number.parseInt(flags, 16) & 1) === 1,
    ...(traceState !== undefined && traceState !== '' && { traceState }),
  };
}

export function formatTraceparent(context: SpanContext): string {
  return `00-${context.traceId}-${context.spanId}-${context.sampled ? '01' : '00'}`;
}

/**
 * B3 (https://github.com/openzipkin/b3-propagation): the single `b3` header
 * (`{traceId}-{spanId}[-{sampled}[-{parentSpanId}]]`, a 64-bit trace id padded to 128) or the
 * multi-header form. `d` (debug) counts as sampled; a lone `0`/`1` (sampling only) is no context.
 */
export function parseB3(get: (name: string) => string | undefined): SpanContext | undefined {
  const single = get('b3');
  if (single !== undefined) {
    const [traceId, spanId, sampled] = single.trim().split('-');
    return b3Context(traceId, spanId, sampled);
  }
  return b3Context(
    get('x-b3-traceid'),
    get('x-b3-spanid'),
    get('x-b3-sampled') ?? get('x-b3-flags'),
  );
}

function b3Context(
  traceId: string | undefined,
  spanId: string | undefined,
  sampled: string | undefined,
): SpanContext | undefined {
  if (!traceId || !spanId || !/^([0-9a-f]{16}|[0-9a-f]{32})$/.test(traceId)) return undefined;
  if (!/^[0-9a-f]{16}$/.test(spanId)) return undefined;
  const padded = traceId.padStart(32, '0');
  if (padded === ZERO_TRACE || spanId === ZERO_SPAN) return undefined;
  // Absent: the caller deferred the decision; we take it as sampled, as Linkerd does.
  return {
    traceId: padded,
    spanId,
    sampled: sampled === undefined || sampled === '1' || sampled === 'd' || sampled === 'true',
  };
}

/** The caller's context, from `traceparent` first, then B3; undefined when it sent none. */
export function extractContext(get: (name: string) => string | undefined): SpanContext | undefined {
  return parseTraceparent(get('traceparent'), get('tracestate')) ?? parseB3(get);
}

/** Random ids from a pooled buffer: one crypto call per 512 ids, not one per span. */
const pool = Buffer.alloc(4096);
let offset = pool.length;

function randomHex(bytes: number): string {
  for (;;) {
    if (offset + bytes > pool.length) {
      randomFillSync(pool);
      offset = 0;
    }
    const hex = pool.toString('hex', offset, offset + bytes);
    offset += bytes;
    if (!/^0+$/.test(hex)) return hex;
  }
}

export const newTraceId = (): string => randomHex(16);
export const newSpanId = (): string => randomHex(8);
