/**
 * Request logging: one line per request, written when it completes, with snake_case fields like
 * every other line (`req_id`, `status`, `duration_ms`). A request that went well logs at debug:
 * under `fusion up` every line crosses a pipe to the supervisor and into a file, which at info
 * cost the supervisor about as much CPU per request as a sidecar (docs/performance.md,
 * "Platform overhead"); `LOG_LEVEL=debug` (fusion.yaml `logging.level`) shows them. A 5xx logs
 * at warn and a thrown error at error, so failures show at the default level. Probes and
 * scrapes stay at debug whatever they answer: a supervisor polling /ready does not drown the
 * service's own lines.
 */
import { type FastifyReply, type FastifyRequest, LogController } from 'fastify';

/** Probes and scrapes: polled all the time, so neither logged above debug nor traced. */
export const QUIET_ROUTES: ReadonlySet<string> = new Set(['/health', '/ready', '/metrics']);

export class ServiceLogController extends LogController {
  constructor() {
    super({ requestIdLogLabel: 'req_id' });
  }

  /** Nothing on arrival: the completion line carries everything, once. */
  override incomingRequest(): void {}

  /** Nothing either: the completion line says 404 with `route: null`. */
  override routeNotFound(): void {}

  override requestCompleted(
    error: Error | null | undefined,
    request: FastifyRequest,
    reply: FastifyReply,
  ): void {
    const route = request.routeOptions.url;
    const fields = {
      method: request.method,
      url: request.url,
      route: route ?? null,
      status: reply.statusCode,
      duration_ms: Math.round(reply.elapsedTime * 1000) / 1000,
    };
    if (error) reply.log.error({ ...fields, err: error }, 'request failed');
    else if (reply.statusCode >= 500 && !(route !== undefined && QUIET_ROUTES.has(route)))
      reply.log.warn(fields, 'request completed');
    else reply.log.debug(fields, 'request completed');
  }
}
