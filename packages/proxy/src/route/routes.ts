/**
 * The route stage of the outbound stack (DESIGN.md §3): between the logical stage (which
 * service) and the balancer (which replica), each request takes the first route of the
 * caller's policy towards that service whose match holds, and goes through that route's
 * layers, built once per route and rebuilt only when a pushed policy changes them:
 *
 *   route metrics (Linkerd's route_*, once per request, around everything below; route-metrics.ts)
 *     → deadline (the route's timeout, or the budget the request carried)
 *       → mirror (a share copied to another service once answered, once per request; mirror.ts)
 *         → retries (per route; the budget per service)
 *           → route_actual_request_total (each try)
 *             → circuit breaker (per service, shared by its routes; admits each try)
 *               → backends by weight (split.ts; usually just the service itself)
 *                 → the service's balancer
 *
 * With `sessionAffinity`, each request's key is read just inside the route metrics, for the
 * balancer (affinity.ts).
 * A service without a policy gets the deadline layer alone, which reads two fields and passes
 * the request on when it carries no budget.
 */
import type { OutboundPolicy, RetryBudget as RetryBudgetPolicy } from '@fusion/mesh-types';
import type { NewBalancer } from '../balance/index.ts';
import { CircuitBreaker } from '../breaker/index.ts';
import type { HttpHandler } from '../http/message.ts';
import { RetryBudget, retryLayer } from '../retry/index.ts';
import { type Layer, stack } from '../stack/stack.ts';
import { deadlineLayer } from '../timeout/index.ts';
import { affinityLayer } from './affinity.ts';
import { compileMatch, pathOnly } from './match.ts';
import type { ResilienceMetrics } from './metrics.ts';
import { mirrorLayer } from './mirror.ts';
import { type OtherService, splitBackends } from './split.ts';

/** The outbound policy towards each service, as the destination service pushes it. */
export interface OutboundPolicies {
  /** The caller's policy towards `service`, if it has one. */
  towards(service: string): OutboundPolicy | undefined;
  /** Calls `listener` after each pushed change; returns what stops it. */
  watch(listener: () => void): () => void;
}

/** Linkerd's ServiceProfile default, for a route that retries without a budget written. */
export const DEFAULT_RETRY_BUDGET: RetryBudgetPolicy = {
  retryRatio: 0.2,
  minRetriesPerSecond: 10,
  ttlMs: 10_000,
};

/** What /config shows: for each service called so far, its routes and their active layers. */
export interface RouteTableView {
  readonly service: string;
  readonly routes: readonly { readonly name: string; readonly layers: readonly string[] }[];
}

export interface RouteStageOptions {
  readonly policies?: OutboundPolicies;
  /** Another service's balancer, for a route split across services (split.ts). */
  readonly otherService?: OtherService;
  readonly metrics: ResilienceMetrics;
  readonly random?: () => number;
}

export interface RouteStage {
  readonly layer: Layer<NewBalancer>;
  describe(): RouteTableView[];
}

interface RouteTable {
  readonly handle: HttpHandler;
  readonly view: RouteTableView;
  /** The policy it was built from, to tell a real change from a repeat. */
  readonly source: string;
}

export function routeStage(options: RouteStageOptions): RouteStage {
  const tables = new Map<string, RouteTable>();
  const layer: Layer<NewBalancer> = (newBalancer) => (target) => {
    const { service } = target;
    const balancer = newBalancer(target);
    const rebuild = () => {
      const policy = options.policies?.towards(service);
      const source = JSON.stringify(policy ?? null);
      if (tables.get(service)?.source === source) return;
      tables.set(service, buildTable(service, policy, source, balancer.handle, options));
    };
    rebuild();
    const stop = options.policies?.watch(rebuild);
    return {
      handle: (request) => (tables.get(service) as RouteTable).handle(request),
      update: (endpoints) => balancer.update(endpoints),
      snapshot: () => balancer.snapshot(),
      close: () => {
        stop?.();
        tables.delete(service);
        balancer.close();
      },
    };
  };
  return { layer, describe: () => [...tables.values()].map((t) => t.view) };
}

function buildTable(
  service: string,
  policy: OutboundPolicy | undefined,
  source: string,
  backend: HttpHandler,
  options: RouteStageOptions,
): RouteTable {
  if (!policy) {
    const handle = deadlineLayer({ describe: `the calls to ${service}` })(backend);
    const view = { service, routes: [{ name: 'default', layers: ['deadline: carried only'] }] };
    return { handle, view, source };
  }
  const { metrics } = options;
  const breakerPolicy = policy.circuitBreaker;
  const breaker = breakerPolicy
    ? new CircuitBreaker({
        service,
        policy: breakerPolicy,
        onOpen: (limit) => metrics.breakerOpen.labels(service, limit).inc(),
      })
    : undefined;
  // Each limit's refusal counter exists, at 0, from the moment the limit does.
  for (const limit of BREAKER_LIMITS) {
    if (breakerPolicy?.[limit] !== undefined) metrics.breakerOpen.labels(service, limit);
  }
  const budget = new RetryBudget(policy.retryBudget ?? DEFAULT_RETRY_BUDGET);
  const routes = policy.routes.map((route) => {
    const describe = `route ${route.name} to ${service}`;
    const layers: string[] = [];
    const split = splitBackends(
      service,
      route.backends,
      backend,
      options.otherService,
      options.random,
    );
    if (split !== backend) {
      layers.push(`split: ${route.backends.map((b) => `${b.service} ${b.weight}`).join(', ')}`);
    }
    let routeStack = stack(split);
    if (breaker?.limitsRequests) {
      routeStack = routeStack.push(breaker.layer());
      layers.push(`circuit breaker: ${limitsOf(breakerPolicy)}`);
    }
    const measured = metrics.routes.forRoute(service, route.name);
    routeStack = routeStack.push(measured.eachTry);
    const retries = route.retries;
    if (retries && (retries.limit > 0 || retries.perTryTimeoutMs !== undefined)) {
      // Made with the route, so each series reads 0 until something happens (a dashboard's
      // rate() is then 0, not absent), and an event walks no label tree.
      const labels = [service, route.name] as const;
      const retried = metrics.retryRequests.labels(...labels);
      const succeeded = metrics.retrySuccesses.labels(...labels);
      const limitExceeded = metrics.retryLimitExceeded.labels(...labels);
      const overflowed = metrics.retryOverflow.labels(...labels);
      routeStack = routeStack.push(
        retryLayer({
          policy: retries,
          budget,
          ...(breaker ? { breaker } : {}),
          describe,
          ...(options.random ? { random: options.random } : {}),
          events: {
            retried: () => retried.inc(),
            succeeded: () => succeeded.inc(),
            limitExceeded: () => limitExceeded.inc(),
            overflowed: () => overflowed.inc(),
          },
        }),
      );
      const perTry =
        retries.perTryTimeoutMs === undefined ? '' : `, ${retries.perTryTimeoutMs} ms per try`;
      layers.push(
        `retries: ${retries.limit}${perTry}${retries.nonIdempotent ? ', any method' : ''}`,
      );
    }
    const mirror = route.mirror;
    const otherService = options.otherService;
    if (mirror && otherService && mirror.percentage > 0) {
      const labels = [service, route.name, mirror.service] as const;
      routeStack = routeStack.push((inner) =>
        mirrorLayer(
          {
            service: mirror.service,
            percentage: mirror.percentage,
            otherService,
            onOutcome: (outcome) => metrics.mirrors.labels(...labels, outcome).inc(),
            ...(options.random ? { random: options.random } : {}),
          },
          inner,
        ),
      );
      layers.push(`mirror: ${mirror.percentage} % to ${mirror.service}`);
    }
    routeStack = routeStack.push(deadlineLayer({ timeoutMs: route.timeoutMs, describe }));
    layers.push(
      route.timeoutMs === undefined ? 'deadline: carried only' : `timeout: ${route.timeoutMs} ms`,
    );
    const affinity = policy.sessionAffinity;
    if (affinity) {
      routeStack = routeStack.push((inner) => affinityLayer(affinity, inner));
      layers.push(`session affinity: ${affinity.kind} ${affinity.name}`);
    }
    // Outermost, so what a request's deadline, retries and their backoff cost is measured.
    routeStack = routeStack.push(measured.request);
    return {
      matches: compileMatch(route.match),
      handle: routeStack.build(),
      view: { name: route.name, layers: layers.reverse() },
    };
  });
  const only = routes.length === 1 ? routes[0] : undefined;
  const handle: HttpHandler = only
    ? only.handle
    : (request) => {
        // The last route is `default`, which matches everything.
        const path = pathOnly(request.path);
        for (const route of routes) if (route.matches(request, path)) return route.handle(request);
        return backend(request);
      };
  return { handle, view: { service, routes: routes.map((r) => r.view) }, source };
}

const BREAKER_LIMITS = [
  'maxConnections',
  'maxRequests',
  'maxPendingRequests',
  'maxRetries',
] as const;

function limitsOf(policy: OutboundPolicy['circuitBreaker']): string {
  const parts: string[] = [];
  for (const key of BREAKER_LIMITS) {
    const value = policy?.[key];
    if (value !== undefined) parts.push(`${key} ${value}`);
  }
  return parts.join(', ');
}
