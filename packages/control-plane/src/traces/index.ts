/**
 * The embedded trace receiver: OTLP/JSON in on `/v1/traces`, the last traces kept in a bounded
 * store, Jaeger's query API out — for when no collector is configured.
 */
export { jaegerData, jaegerError, toJaegerTrace } from './jaeger.ts';
export {
  type RefusalReason,
  registerTraceReceiverMetrics,
  type TraceReceiverMetrics,
} from './metrics.ts';
export {
  DEFAULT_LIMIT,
  normaliseTraceId,
  parseGoDuration,
  parseTraceQuery,
  QueryError,
} from './query.ts';
export {
  createTraceReceiverServer,
  DEFAULT_MAX_BODY_BYTES,
  type TraceReceiverServer,
  type TraceReceiverServerOptions,
} from './receiver.ts';
export {
  startTraceReceiver,
  type TraceReceiverComponent,
  type TraceReceiverOptions,
} from './start.ts';
export {
  type AddResult,
  DEFAULT_TRACE_LIMITS,
  DROP_REASONS,
  type DropReason,
  type StoredTrace,
  type TraceQuery,
  TraceStore,
  type TraceStoreLimits,
  type TraceStoreStats,
} from './store.ts';
