/**
 * Runs each route handler inside the deadline its request carried (`fusion-timeout-ms`), so
 * `currentDeadline()` and the mesh client see it. The handler is wrapped once, when its route is
 * registered; a request without the header costs one header lookup and nothing else.
 */
import { DEADLINE_HEADER, parseDeadlineHeader, runWithRequestDeadline } from '../deadline/index.ts';
import type { ServiceApp } from './context.ts';

/** Must be installed before the service's routes: it applies to routes registered after it. */
export function runHandlersWithinDeadlines(app: ServiceApp): void {
  app.addHook('onRoute', (route) => {
    const handler = route.handler;
    route.handler = function handleWithinDeadline(request, reply) {
      const header = request.headers[DEADLINE_HEADER];
      if (header === undefined) return handler.call(this, request, reply);
      const budgetMs = typeof header === 'string' ? parseDeadlineHeader(header) : undefined;
      if (budgetMs === undefined) {
        // A hop that sent nonsense must not fail the request; the request just has no deadline.
        request.log.debug({ [DEADLINE_HEADER]: header }, `ignoring malformed ${DEADLINE_HEADER}`);
        return handler.call(this, request, reply);
      }
      // The budget was measured when the request was sent, not after its body was read.
      const arrivedAt = performance.now() - reply.elapsedTime;
      return runWithRequestDeadline(arrivedAt, budgetMs, () => handler.call(this, request, reply));
    };
  });
}
