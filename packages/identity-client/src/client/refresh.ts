/**
 * When to renew, and how long to wait after a failure. Pure functions of their inputs (the
 * clock and the randomness are arguments) so the timing rules are tested exactly.
 */

export interface RefreshBounds {
  readonly minRefreshMs: number;
  readonly maxRefreshMs: number;
}

/** Linkerd's `refresh_in`: renew once 70 % of the remaining lifetime has passed. */
export const REFRESH_FRACTION = 0.7;
/**
 * ±5 % spread so that workloads certified together (a restart of the whole mesh) do not all
 * come back to the identity service in the same instant.
 */
export const REFRESH_JITTER = 0.05;
/** ±10 % spread on retries, for the same reason when the identity service comes back. */
export const RETRY_JITTER = 0.1;

/**
 * Milliseconds until the next renewal: 70 % of what remains of the certificate's life, with a
 * little jitter, clamped to [minRefresh, maxRefresh] after the jitter so the bounds always hold.
 * A certificate already past its end is renewed after minRefresh, as Linkerd does.
 *
 * @param random a number in [0, 1); 0.5 means no jitter.
 */
export function refreshDelayMs(
  validUntilMs: number,
  nowMs: number,
  bounds: RefreshBounds,
  random: () => number = Math.random,
): number {
  const remaining = Math.max(0, validUntilMs - nowMs);
  const spread = 1 + REFRESH_JITTER * (2 * random() - 1);
  return clamp(
    Math.round(remaining * REFRESH_FRACTION * spread),
    bounds.minRefreshMs,
    bounds.maxRefreshMs,
  );
}

export interface RetryBackoff {
  readonly initialMs: number;
  readonly maxMs: number;
}

/**
 * Milliseconds to wait after the `failures`-th consecutive failed certify: `initialMs`
 * doubling each time up to `maxMs`, with jitter that never leaves [initialMs, maxMs].
 */
export function retryDelayMs(
  failures: number,
  backoff: RetryBackoff,
  random: () => number = Math.random,
): number {
  const exponent = Math.min(Math.max(failures, 1) - 1, 30);
  const base = Math.min(backoff.maxMs, backoff.initialMs * 2 ** exponent);
  const spread = 1 + RETRY_JITTER * (2 * random() - 1);
  return clamp(Math.round(base * spread), backoff.initialMs, backoff.maxMs);
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}
