/**
 * Spans for the requests a sidecar carries: a server span on the inbound side, a client span on
 * the outbound side, each the child of the context the request came with (W3C `traceparent` or
 * B3), and the next hop's parent — the request leaves with `traceparent` naming this span. As
 * in Linkerd, a sidecar follows its caller's sampling decision and starts no trace of its own,
 * except where requests enter the mesh (the gateway's inbound, `startTraces`), which samples its
 * share of new ones. A request without context that starts none costs two header lookups.
 *
 * The span ends when the response stream does (its trailers settle), so it covers the body too.
 */
import {
  extractContext,
  formatTraceparent,
  parseTraceparent,
  type Span,
  type Tracer,
} from '@fusion/telemetry';
import { asProxyError } from '../errors/proxy-error.ts';
import type { HttpHandler, ProxyRequest } from '../http/message.ts';
import type { Layer } from '../stack/stack.ts';

export interface TraceLayerOptions {
  /** Undefined: tracing is off and the layer is not there at all (the context passes as is). */
  readonly tracer: Tracer | undefined;
  readonly direction: 'inbound' | 'outbound';
  /** Start (sampled) traces for requests that carry no context: the mesh's entry point. */
  readonly startTraces: boolean;
}

/** B3 headers are replaced by `traceparent`: one context, naming this span, goes on. */
const B3_HEADERS = [
  'b3',
  'x-b3-traceid',
  'x-b3-spanid',
  'x-b3-parentspanid',
  'x-b3-sampled',
  'x-b3-flags',
];

export function traceLayer(options: TraceLayerOptions): Layer<HttpHandler> {
  const { tracer, direction } = options;
  if (tracer === undefined) return (inner) => inner;
  // Sampling nothing, the entry point starts no context either: requests cross untouched.
  const startTraces = options.startTraces && tracer.sampling > 0;
  const kind = direction === 'inbound' ? 'server' : 'client';
  return (inner) => (request) => {
    const headers = request.headers;
    const parent = extractContext((name) => headers.get(name));
    if (parent === undefined && !startTraces) return inner(request);
    const span = tracer.startSpan(spanName(request, direction), kind, parent, {
      direction,
      'http.request.method': request.method,
      'url.path': pathOf(request.path),
      'server.address': request.authority,
      ...(request.ctx.clientId !== undefined && { 'client.identity': request.ctx.clientId }),
    });
    for (const name of B3_HEADERS) headers.delete(name);
    headers.set('traceparent', formatTraceparent(span.context));
    if (span.context.traceState !== undefined) headers.set('tracestate', span.context.traceState);
    if (!span.recording) return inner(request);
    return traced(inner, request, span);
  };
}

async function traced(inner: HttpHandler, request: ProxyRequest, span: Span) {
  let response: Awaited<ReturnType<HttpHandler>>;
  try {
    response = await inner(request);
  } catch (error) {
    const failure = asProxyError(error);
    span.setAttribute('l5d.proxy_error', failure.code);
    span.end(failure.message);
    throw error;
  }
  span.setAttribute('http.response.status_code', response.status);
  const proxyError = response.headers.get('l5d-proxy-error');
  if (proxyError !== undefined) span.setAttribute('l5d.proxy_error', proxyError);
  const failed = response.status >= 500 ? `HTTP ${response.status}` : undefined;
  void response.trailers.then(
    () => span.end(failed),
    (error: Error) => span.end(`the response stream failed: ${error.message}`),
  );
  return response;
}

function spanName(request: ProxyRequest, direction: 'inbound' | 'outbound'): string {
  return direction === 'inbound'
    ? `${request.method} ${pathOf(request.path)}`
    : `${request.method} ${request.authority}`;
}

function pathOf(path: string): string {
  const query = path.indexOf('?');
  return query === -1 ? path : path.slice(0, query);
}

/**
 * `trace_id` and `span_id` for a log line about `request`: the context it carries — on the
 * sidecar's own span once the trace layer has seen it — or nothing when it carries none.
 */
export function traceFields(request: ProxyRequest): { trace_id?: string; span_id?: string } {
  const context = parseTraceparent(request.headers.get('traceparent'));
  return context ? { trace_id: context.traceId, span_id: context.spanId } : {};
}
