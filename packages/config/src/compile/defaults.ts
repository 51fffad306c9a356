/**
 * What the compiler fills in for keys left out, each Linkerd's own default so that behaviour
 * carries over from Linkerd (sources in /work/shared/reference/linkerd.md §4).
 */

/** `balancer.linkerd.io/failure-accrual-consecutive-*`. */
export const DEFAULT_FAILURE_ACCRUAL = {
  maxFailures: 7,
  minPenaltyMs: 1_000,
  maxPenaltyMs: 60_000,
  jitterRatio: 0.5,
} as const;

/** ServiceProfile `retryBudget` (profile_translator.go). */
export const DEFAULT_RETRY_BUDGET = {
  retryRatio: 0.2,
  minRetriesPerSecond: 10,
  ttlMs: 10_000,
} as const;

/**
 * Retried when `retryOn` is left out: every 5xx, Linkerd's usual `retry.linkerd.io/http`, and
 * gRPC's `unavailable` (14), the code gRPC defines as transient and safe to retry (Istio's
 * default has it too). Linkerd itself retries nothing until conditions are named; the seed's
 * `retries.attempts: 3` plainly asks for retries, and these are what a failed attempt looks like.
 */
export const DEFAULT_RETRY_ON = [{ min: 500, max: 599 }, { grpcStatus: 14 }] as const;

/** Gateway API `backendRefs[].weight`. */
export const DEFAULT_BACKEND_WEIGHT = 1;

/** The name of the last route of every destination: it takes what no written route matches. */
export const DEFAULT_ROUTE = 'default';
