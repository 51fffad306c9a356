/** Spans for the trace tests: ids from small numbers, times from a fixed clock. */
import type { ReceivedSpan } from '@fusion/telemetry';

/** 14 Nov 2023 22:13:20 UTC: a round number of ms, so fractions below stay exact. */
export const T0 = 1_700_000_000_000;

export const traceId = (n: number): string => n.toString(16).padStart(32, '0');
export const spanId = (n: number): string => n.toString(16).padStart(16, '0');

/** A server span of `service`, trace `trace`, span `id`, from T0+start for `duration` ms. */
export function span(
  trace: number,
  id: number,
  fields: Partial<ReceivedSpan> & { start?: number; duration?: number } = {},
): ReceivedSpan {
  const { start = 0, duration = 10, ...rest } = fields;
  return {
    service: 'orders',
    traceId: traceId(trace),
    spanId: spanId(id),
    name: 'GET /orders',
    kind: 'server',
    startMs: T0 + start,
    endMs: T0 + start + duration,
    attributes: {},
    ...rest,
  };
}
