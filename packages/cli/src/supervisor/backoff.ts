/**
 * Restart delays for crashed components: exponential with jitter, capped, and forgiven
 * once a component has stayed up long enough (Kubernetes' CrashLoopBackOff idea).
 */

export interface BackoffPolicy {
  readonly initialMs: number;
  readonly maxMs: number;
  /** Fraction of the delay added or removed at random, so restarts don't synchronise. */
  readonly jitter: number;
  /** A component that stays up this long starts again from `initialMs`. */
  readonly resetAfterMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = {
  initialMs: 250,
  maxMs: 30_000,
  jitter: 0.1,
  resetAfterMs: 30_000,
};

/** Delay before restart number `attempt` (0 = the first restart). */
export function restartDelayMs(
  policy: BackoffPolicy,
  attempt: number,
  random: () => number = Math.random,
): number {
  const base = Math.min(policy.maxMs, policy.initialMs * 2 ** attempt);
  const spread = base * policy.jitter * (random() * 2 - 1);
  return Math.max(0, Math.round(base + spread));
}
