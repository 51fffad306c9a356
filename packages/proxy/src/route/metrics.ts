/**
 * The resilience layers' counters. Retries use Linkerd's route retry names
 * (`outbound_http_route_retry_*_total`, queried by `linkerd viz stat-outbound`) with its
 * `parent_name` and `route_name` labels; Linkerd has no circuit breaker limits nor a counter
 * for failure accrual, nor mirroring, so those are ours, named in the same style. The route
 * stage's own request metrics (Linkerd's `route_*`) come with them: route-metrics.ts.
 */
import type { Registry } from '@fusion/telemetry';
import { routeMetrics } from './route-metrics.ts';

export type ResilienceMetrics = ReturnType<typeof resilienceMetrics>;

export function resilienceMetrics(registry: Registry) {
  const retry = (what: string, help: string) =>
    registry.counter({
      name: `outbound_http_route_retry_${what}_total`,
      help,
      labelNames: ['parent_name', 'route_name'],
    });
  return {
    retryRequests: retry('requests', 'Retries sent (tries after the first).'),
    retrySuccesses: retry('successes', 'Requests that succeeded on a retry.'),
    retryLimitExceeded: retry(
      'limit_exceeded',
      'Requests that would have been retried again but had used every try their policy allows.',
    ),
    retryOverflow: retry(
      'overflow',
      'Retries not sent because the retry budget or the circuit breaker maxRetries said no.',
    ),
    breakerOpen: registry.counter({
      name: 'outbound_http_circuit_breaker_open_total',
      help: 'Requests (or retries) refused at once because a circuit breaker limit was reached.',
      labelNames: ['parent_name', 'limit'],
    }),
    ejections: registry.counter({
      name: 'outbound_http_failure_accrual_ejections_total',
      help: 'Endpoints taken out of their balancer after consecutive failures (probes included).',
      labelNames: ['parent_name', 'endpoint'],
    }),
    mirrors: registry.counter({
      name: 'outbound_http_route_mirror_total',
      help: 'Requests drawn for mirroring, by what became of the copy (sent, or why it was not).',
      labelNames: ['parent_name', 'route_name', 'backend', 'outcome'],
    }),
    routes: routeMetrics(registry),
  };
}
