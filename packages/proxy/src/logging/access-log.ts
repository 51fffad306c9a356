/**
 * Linkerd's HTTP access log (`LINKERD2_PROXY_ACCESS_LOG=json`, the `config.linkerd.io/access-log`
 * annotation): one line per request the inbound side served, with Linkerd's field names, written
 * when the response stream ends, carrying the request's trace id so that `fusion logs --trace`
 * finds the sidecars' lines beside the apps'. Off by default: a line per request costs.
 */
import type { Logger } from '@fusion/telemetry';
import type { HttpHandler, ProxyRequest, ProxyResponse } from '../http/message.ts';
import type { Layer } from '../stack/stack.ts';

export const ACCESS_LOG_FORMATS = ['json'] as const;
export type AccessLogFormat = (typeof ACCESS_LOG_FORMATS)[number];

/** `logger` undefined: no access log, and the layer is not there at all. */
export function accessLogLayer(logger: Logger | undefined): Layer<HttpHandler> {
  if (logger === undefined) return (inner) => inner;
  return (inner) => async (request) => {
    let response: ProxyResponse;
    try {
      response = await inner(request);
    } catch (error) {
      write(logger, request, undefined);
      throw error;
    }
    void response.trailers.then(
      () => write(logger, request, response.status),
      () => write(logger, request, response.status),
    );
    return response;
  };
}

function write(logger: Logger, request: ProxyRequest, status: number | undefined): void {
  const traceparent = request.headers.get('traceparent');
  logger.info(
    {
      'client.addr': request.ctx.peerAddress ?? '',
      'client.id': request.ctx.clientId ?? '',
      host: request.authority,
      method: request.method,
      uri: request.path,
      version: request.ctx.originalVersion,
      status: status ?? 0,
      total_ns: Number(process.hrtime.bigint() - request.ctx.startedAt),
      user_agent: request.headers.get('user-agent') ?? '',
      ...(traceparent !== undefined && {
        trace_id: traceparent.slice(3, 35),
        span_id: traceparent.slice(36, 52),
      }),
    },
    'access',
  );
}
