/** Distributed tracing in the sidecar: spans and trace context on both sides. */
export { type TraceLayerOptions, traceLayer } from './layer.ts';
