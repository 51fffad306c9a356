/**
 * Request metrics for every route. The route label is the pattern (`/users/:id`), never the raw
 * URL, so the number of series stays bounded however the service is called.
 */
import type { Registry } from '@fusion/telemetry';
import type { ServiceApp } from './context.ts';

/** Route label of requests that matched no route (404s), which have no pattern. */
export const UNMATCHED_ROUTE = 'unmatched';

export function installHttpMetrics(app: ServiceApp, registry: Registry): void {
  const requests = registry.counter({
    name: 'http_requests_total',
    help: 'HTTP requests handled, by method, route pattern and status code.',
    labelNames: ['method', 'route', 'status'],
  });
  const duration = registry.histogram({
    name: 'http_request_duration_seconds',
    help: 'Time from receiving a request to finishing its response, by method, route pattern and status code.',
    labelNames: ['method', 'route', 'status'],
  });
  // Callback style: one hook call per request without a promise allocation.
  app.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url ?? UNMATCHED_ROUTE;
    const status = String(reply.statusCode);
    requests.labels(request.method, route, status).inc();
    duration.labels(request.method, route, status).observe(reply.elapsedTime / 1000);
    done();
  });
}
