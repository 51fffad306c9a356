/** The sidecar proxy. The core contracts every layer shares; inbound/outbound build on them. */
export type { Classification, Outcome } from './classify/classify.ts';
export { classifyError, classifyResponse } from './classify/classify.ts';
export type { ProxyErrorCode } from './errors/proxy-error.ts';
export { asProxyError, ProxyError } from './errors/proxy-error.ts';
export type { RescueOptions } from './errors/rescue.ts';
export { errorResponse, PROXY_ERROR_HEADER, rescueLayer } from './errors/rescue.ts';
export type { HeaderRecord } from './http/headers.ts';
export { HeaderList } from './http/headers.ts';
export type {
  HttpHandler,
  HttpVersion,
  ProxyRequest,
  ProxyResponse,
  RequestContext,
} from './http/message.ts';
export {
  emptyResponse,
  forwardableHeaders,
  HOP_BY_HOP,
  ORIG_PROTO_HEADER,
} from './http/message.ts';
export type { ConnectionFacts, ServerRequest, ServerResponseLike } from './http/serve.ts';
export { serve, toProxyRequest, writeResponse } from './http/serve.ts';
export type { Direction, TargetLabels } from './metrics/http-metrics.ts';
export { createHttpMetrics, LATENCY_BUCKETS_MS } from './metrics/http-metrics.ts';
export { DEFAULT_MAX_IN_FLIGHT, loadShedLayer } from './stack/load-shed.ts';
export type { Layer, Stack } from './stack/stack.ts';
export { stack } from './stack/stack.ts';
