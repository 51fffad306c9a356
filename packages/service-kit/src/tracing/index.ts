/** Tracing in the kit: the request's trace context, what calls carry, the process's tracer. */
export {
  FLUSH_LIMIT_MS,
  openTracing,
  type Tracing,
  type TracingOptions,
} from './open-tracing.ts';
export { TRACEPARENT_HEADER, TRACESTATE_HEADER, withTraceHeaders } from './propagation.ts';
export { currentSpanContext, runWithSpanContext } from './span-context.ts';
