/** Tracing: trace context on the wire, lean spans, OTLP/JSON, a batching exporter. */
export {
  extractContext,
  formatTraceparent,
  newSpanId,
  newTraceId,
  parseB3,
  parseTraceparent,
  type SpanContext,
} from './context.ts';
export { BatchExporter, type ExporterOptions, type ExporterStats } from './exporter.ts';
export { fromOtlp, type OtlpRequest, type ReceivedSpan, SCOPE, toOtlp } from './otlp.ts';
export {
  type AttributeValue,
  type Span,
  type SpanKind,
  type SpanRecord,
  type SpanSink,
  sampledRoot,
  Tracer,
  type TracerOptions,
} from './tracer.ts';
