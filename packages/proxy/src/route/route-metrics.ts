/**
 * Linkerd's ServiceProfile route metrics, for the routes of a called service's policy:
 * `route_request_total`, `route_response_total` and `route_response_latency_ms` once per request,
 * measured around all of the route's layers (its deadline and retries are inside), and
 * `route_actual_request_total` once per try (Linkerd's "actual": retries included). Labels
 * `direction="outbound"`, `dst` and `rt_route` (the route's name). Linkerd's `dst` is the
 * authority with its port; the route stage knows the service but not the port the caller
 * used, so `dst` is the service name. A service without a policy has no routes, and no series.
 */
import type { CounterChild, Registry } from '@fusion/telemetry';
import type { HttpHandler } from '../http/message.ts';
import { LATENCY_BUCKETS_MS } from '../metrics/http-metrics.ts';
import { measure, RESPONSE_LABELS, ResponseSeries } from '../metrics/measure.ts';
import type { Layer } from '../stack/stack.ts';

const ROUTE = ['direction', 'dst', 'rt_route'] as const;

/** One route's layers: `request` outermost, `eachTry` just below its retries. */
export interface RouteMeasurement {
  readonly request: Layer<HttpHandler>;
  readonly eachTry: Layer<HttpHandler>;
}

export type RouteMetrics = ReturnType<typeof routeMetrics>;

export function routeMetrics(registry: Registry) {
  const requests = registry.counter({
    name: 'route_request_total',
    help: 'Requests to a route of a called service, counted once however many tries they take.',
    labelNames: ROUTE,
  });
  const responses = registry.counter({
    name: 'route_response_total',
    help: 'Responses from a route of a called service, counted when the response stream ends.',
    labelNames: [...ROUTE, ...RESPONSE_LABELS] as const,
  });
  const latency = registry.histogram({
    name: 'route_response_latency_ms',
    help: "Time from a request's headers to its route's response headers, retries included, in milliseconds.",
    labelNames: [...ROUTE, 'status_code'] as const,
    buckets: LATENCY_BUCKETS_MS,
  });
  const actualRequests = registry.counter({
    name: 'route_actual_request_total',
    help: 'Tries sent on a route of a called service: its requests and their retries.',
    labelNames: ROUTE,
  });
  return {
    /** Called when a route is built, so its series are found once, not per request. */
    forRoute(dst: string, route: string): RouteMeasurement {
      const labels = ['outbound', dst, route] as const;
      const series = new ResponseSeries(
        requests.labels(...labels),
        (status) => latency.labels(...labels, status),
        (...response) => responses.labels(...labels, ...response),
      );
      const tries: CounterChild = actualRequests.labels(...labels);
      return {
        request: (inner) => (request) => measure(series, inner, request),
        eachTry: (inner) => (request) => {
          tries.inc();
          return inner(request);
        },
      };
    },
  };
}
