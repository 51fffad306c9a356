/**
 * What an outgoing call carries: `traceparent` (and the caller's `tracestate`), always W3C on
 * the way out whatever came in, since the sidecars read it first.
 */
import { formatTraceparent, type SpanContext } from '@fusion/telemetry';

export const TRACEPARENT_HEADER = 'traceparent';
export const TRACESTATE_HEADER = 'tracestate';

/**
 * The call's headers with `context` as its parent. A `traceparent` the handler copied from its
 * own request is replaced: the call's own span, not the request's caller, is the parent.
 */
export function withTraceHeaders(headers: RequestInit['headers'], context: SpanContext): Headers {
  const result = new Headers(headers);
  result.set(TRACEPARENT_HEADER, formatTraceparent(context));
  if (context.traceState !== undefined) result.set(TRACESTATE_HEADER, context.traceState);
  return result;
}
