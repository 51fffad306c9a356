/**
 * A caller's policy for one destination, from the settings the plan gave the pair. The
 * destination's own timeout, retries and split make the `default` route; a written route
 * keeps each of those it does not set itself, as Linkerd's routes keep their Service's
 * annotations. Linkerd's defaults fill what was left out (defaults.ts).
 */
import type {
  CircuitBreakerPolicy,
  MirrorConfig,
  OutboundPolicy,
  OutboundRoute,
  RetriesConfig,
  RetryCondition,
  RetryPolicy,
  SplitBackendConfig,
  WeightedBackend,
} from '@fusion/mesh-types';
import {
  DEFAULT_BACKEND_WEIGHT,
  DEFAULT_FAILURE_ACCRUAL,
  DEFAULT_RETRY_BUDGET,
  DEFAULT_RETRY_ON,
  DEFAULT_ROUTE,
} from './defaults.ts';
import { compileMatch, MATCH_EVERYTHING } from './match.ts';
import type { OutboundSettings, Written } from './plan.ts';

type Settings = { readonly [K in keyof OutboundSettings]?: Written<OutboundSettings[K]> };

function compileRetries(retries: RetriesConfig): RetryPolicy {
  const conditions: readonly RetryCondition[] = retries.retryOn ?? DEFAULT_RETRY_ON;
  return {
    limit: retries.attempts,
    ...(retries.perTryTimeoutMs === undefined ? {} : { perTryTimeoutMs: retries.perTryTimeoutMs }),
    retryOn: conditions.flatMap((c) => ('min' in c ? [{ min: c.min, max: c.max }] : [])),
    retryOnGrpc: conditions.flatMap((c) => ('grpcStatus' in c ? [c.grpcStatus] : [])),
    nonIdempotent: retries.nonIdempotent ?? false,
  };
}

function compileMirror(mirror: MirrorConfig): NonNullable<OutboundRoute['mirror']> {
  return { service: mirror.backend, percentage: mirror.percentage };
}

function compileSplit(split: readonly SplitBackendConfig[]): WeightedBackend[] {
  return split.map((b) => ({ service: b.backend, weight: b.weight ?? DEFAULT_BACKEND_WEIGHT }));
}

interface RouteSettings {
  readonly timeoutMs?: number;
  readonly retries?: RetryPolicy;
  readonly backends: readonly WeightedBackend[];
  readonly mirror?: OutboundRoute['mirror'];
}

function route(name: string, match: OutboundRoute['match'], s: RouteSettings): OutboundRoute {
  return {
    name,
    match,
    ...(s.timeoutMs === undefined ? {} : { timeoutMs: s.timeoutMs }),
    ...(s.retries === undefined ? {} : { retries: s.retries }),
    backends: s.backends,
    ...(s.mirror && { mirror: s.mirror }),
  };
}

function compileCircuitBreaker(s: Settings): CircuitBreakerPolicy | undefined {
  const accrual = s['circuitBreaker.failureAccrual']?.value;
  const breaker: CircuitBreakerPolicy = {
    ...(s['circuitBreaker.maxConnections'] && {
      maxConnections: s['circuitBreaker.maxConnections'].value,
    }),
    ...(s['circuitBreaker.maxRequests'] && { maxRequests: s['circuitBreaker.maxRequests'].value }),
    ...(s['circuitBreaker.maxPendingRequests'] && {
      maxPendingRequests: s['circuitBreaker.maxPendingRequests'].value,
    }),
    ...(s['circuitBreaker.maxRetries'] && { maxRetries: s['circuitBreaker.maxRetries'].value }),
    ...(accrual && {
      failureAccrual: {
        kind: 'consecutive',
        maxFailures: accrual.consecutiveFailures ?? DEFAULT_FAILURE_ACCRUAL.maxFailures,
        minPenaltyMs: accrual.minPenaltyMs ?? DEFAULT_FAILURE_ACCRUAL.minPenaltyMs,
        maxPenaltyMs: accrual.maxPenaltyMs ?? DEFAULT_FAILURE_ACCRUAL.maxPenaltyMs,
        jitterRatio: accrual.jitterRatio ?? DEFAULT_FAILURE_ACCRUAL.jitterRatio,
      },
    }),
  };
  return Object.keys(breaker).length === 0 ? undefined : breaker;
}

export function compileOutbound(destination: string, s: Settings): OutboundPolicy {
  const own: RouteSettings = {
    ...(s.timeout && { timeoutMs: s.timeout.value }),
    ...(s.retries && { retries: compileRetries(s.retries.value) }),
    backends: s.split
      ? compileSplit(s.split.value)
      : [{ service: destination, weight: DEFAULT_BACKEND_WEIGHT }],
    ...(s.mirror && { mirror: compileMirror(s.mirror.value) }),
  };
  const written = (s.routes?.value ?? []).map((r) =>
    route(r.name, compileMatch(r.match), {
      ...((r.timeoutMs ?? own.timeoutMs) !== undefined && {
        timeoutMs: r.timeoutMs ?? own.timeoutMs,
      }),
      ...((r.retries ?? own.retries) !== undefined && {
        retries: r.retries ? compileRetries(r.retries) : own.retries,
      }),
      backends: r.split ? compileSplit(r.split) : own.backends,
      ...((r.mirror ?? own.mirror) !== undefined && {
        mirror: r.mirror ? compileMirror(r.mirror) : own.mirror,
      }),
    }),
  );
  const budget = s.retryBudget?.value;
  const breaker = compileCircuitBreaker(s);
  const affinity = s.sessionAffinity?.value;
  return {
    service: destination,
    ...(s.tls && { tls: { mode: s.tls.value.mode } }),
    routes: [...written, route(DEFAULT_ROUTE, MATCH_EVERYTHING, own)],
    ...(budget && {
      retryBudget: {
        retryRatio: budget.retryRatio ?? DEFAULT_RETRY_BUDGET.retryRatio,
        minRetriesPerSecond: budget.minRetriesPerSecond ?? DEFAULT_RETRY_BUDGET.minRetriesPerSecond,
        ttlMs: budget.ttlMs ?? DEFAULT_RETRY_BUDGET.ttlMs,
      },
    }),
    ...(breaker && { circuitBreaker: breaker }),
    ...(affinity && {
      sessionAffinity:
        'header' in affinity
          ? { kind: 'header', name: affinity.header.toLowerCase() }
          : {
              kind: 'cookie',
              name: affinity.cookie.name,
              ...(affinity.cookie.ttlMs === undefined ? {} : { ttlMs: affinity.cookie.ttlMs }),
            },
    }),
  };
}
