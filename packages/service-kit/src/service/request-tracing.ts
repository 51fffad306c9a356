/**
 * A server span per request (OTel HTTP semantic conventions), with the handler run inside its
 * context so that mesh calls and queries become its children, and the request's log lines
 * carrying its `trace_id` and `span_id`. Without a tracer nothing is recorded: a request costs a
 * header read, and one that came with a context has it carried through unchanged.
 */
import { extractContext, type Span, type SpanContext, type Tracer } from '@fusion/telemetry';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { runWithSpanContext } from '../tracing/index.ts';
import type { ServiceApp } from './context.ts';
import { UNMATCHED_ROUTE } from './http-metrics.ts';
import { QUIET_ROUTES } from './request-log.ts';

interface RequestSpan {
  readonly span: Span;
  /** The message of what the handler threw, for the span of a 5xx. */
  error: string | undefined;
}

/** Must be installed before the service's routes: it applies to routes registered after it. */
export function traceRequests(app: ServiceApp, tracer: Tracer | undefined): void {
  const spans = new WeakMap<FastifyRequest, RequestSpan>();
  const contextOf =
    tracer === undefined
      ? incomingContext
      : (request: FastifyRequest) => spans.get(request)?.span.context;

  app.addHook('onRoute', (route) => {
    const handler = route.handler;
    route.handler = function handleWithinTrace(request, reply) {
      const context = contextOf(request);
      if (context === undefined) return handler.call(this, request, reply);
      // With a tracer, the span's ids were bound on arrival (below).
      if (tracer === undefined) bindToLogs(request, reply, context);
      return runWithSpanContext(context, () => handler.call(this, request, reply));
    };
  });
  if (tracer === undefined) return;

  // On arrival rather than in the handler: the span covers reading the body, and 404s get one.
  app.addHook('onRequest', (request, reply, done) => {
    const parent = incomingContext(request);
    const route = request.routeOptions.url;
    // A probe or a scrape starts no trace of its own: every poll would be one.
    if (parent === undefined && route !== undefined && QUIET_ROUTES.has(route)) return done();
    const span = tracer.startSpan(
      `${request.method} ${route ?? UNMATCHED_ROUTE}`,
      'server',
      parent,
      {
        'http.request.method': request.method,
        'url.path': pathOf(request.url),
        ...(route !== undefined && { 'http.route': route }),
      },
    );
    spans.set(request, { span, error: undefined });
    bindToLogs(request, reply, span.context);
    done();
  });
  app.addHook('onError', (request, _reply, error, done) => {
    const entry = spans.get(request);
    if (entry !== undefined) entry.error = error.message;
    done();
  });
  app.addHook('onResponse', (request, reply, done) => {
    const entry = spans.get(request);
    if (entry !== undefined) {
      const status = reply.statusCode;
      entry.span.setAttribute('http.response.status_code', status);
      entry.span.end(status >= 500 ? (entry.error ?? `HTTP ${status}`) : undefined);
    }
    done();
  });
  // A response that is never sent runs no onResponse; the span still ends, as failed.
  app.addHook('onRequestAbort', (request, done) => {
    spans.get(request)?.span.end('the client closed the connection before the response');
    done();
  });
}

/** The caller's context; the common cases (none, or traceparent) without building a closure. */
function incomingContext(request: FastifyRequest): SpanContext | undefined {
  const headers = request.headers;
  if (
    headers.traceparent === undefined &&
    headers.b3 === undefined &&
    headers['x-b3-traceid'] === undefined
  ) {
    return undefined;
  }
  return extractContext((name) => {
    const value = headers[name];
    return typeof value === 'string' ? value : undefined;
  });
}

/** The request's logger (and the reply's, which writes the completion line) with its ids. */
function bindToLogs(request: FastifyRequest, reply: FastifyReply, context: SpanContext): void {
  const log = request.log.child({ trace_id: context.traceId, span_id: context.spanId });
  request.log = log;
  reply.log = log;
}

function pathOf(url: string): string {
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
}
