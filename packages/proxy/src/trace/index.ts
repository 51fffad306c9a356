/** Distributed tracing in the sidecar: spans and trace context on both sides. */
export { type TraceLayerOptions, traceFields, traceLayer } from './layer.ts';
