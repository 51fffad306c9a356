/**
 * How long to wait before the next attempt to reach the destination service. Exponential, so a
 * control plane that is down is not hammered; jittered, so that when it comes back the proxies
 * that lost it together do not all knock in the same millisecond.
 */

export interface ReconnectBackoff {
  readonly minMs: number;
  readonly maxMs: number;
  /** Up to this fraction of the delay is added at random. */
  readonly jitter: number;
}

/**
 * Linkerd's control-plane clients back off from 100 ms; 5 s at most keeps a restarted control
 * plane's rebuild window (one lease, 10 s) long enough for every proxy to come back in it.
 */
export const DEFAULT_CONTROL_BACKOFF: ReconnectBackoff = { minMs: 100, maxMs: 5_000, jitter: 0.5 };

/** The delay before attempt number `failures` + 1 (`failures` ≥ 1). */
export function backoffDelayMs(
  failures: number,
  backoff: ReconnectBackoff,
  random: () => number = Math.random,
): number {
  const exponent = Math.min(Math.max(failures, 1) - 1, 30);
  const base = Math.min(backoff.maxMs, backoff.minMs * 2 ** exponent);
  return Math.round(base * (1 + backoff.jitter * random()));
}
