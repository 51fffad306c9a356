/**
 * Peak-EWMA load, as tower's `PeakEwma` computes it for Linkerd's balancer: an RTT estimate
 * that jumps to any slower sample at once (so a replica that turns slow is avoided on its very
 * next pick) and otherwise moves towards newer samples with time constant τ. Every look at the
 * load also decays the estimate towards zero, so a replica that was avoided after a slow spell
 * becomes cheap again within a few τ and is tried anew instead of starving for good.
 *
 *   load = estimate × (pending + 1)
 */

/** Linkerd's defaults, sent by its policy controller (`DEFAULT_EWMA`). */
export const DEFAULT_RTT_MS = 30;
export const DEFAULT_DECAY_MS = 10_000;

export interface PeakEwmaOptions {
  /** The estimate of a replica not measured yet. */
  readonly defaultRttMs?: number;
  /** τ: after this long, an old estimate keeps 1/e of its weight. */
  readonly decayMs?: number;
  /** Milliseconds on a monotonic clock. */
  readonly now?: () => number;
}

export class PeakEwma {
  readonly #decayMs: number;
  readonly #now: () => number;
  #estimateMs: number;
  #updatedAt: number;

  constructor(options: PeakEwmaOptions = {}) {
    this.#decayMs = options.decayMs ?? DEFAULT_DECAY_MS;
    this.#now = options.now ?? performance.now.bind(performance);
    this.#estimateMs = options.defaultRttMs ?? DEFAULT_RTT_MS;
    this.#updatedAt = this.#now();
  }

  /** Takes one measured round trip into the estimate. */
  observe(rttMs: number): void {
    this.#update(rttMs);
  }

  /** The load of the replica with `pending` requests in flight. */
  cost(pending: number): number {
    // tower's `load()`: an update with a zero RTT, i.e. decay towards zero since the last one.
    return this.#update(0) * (pending + 1);
  }

  /** The estimate as of the last update, for tests and diagnostics. */
  get estimateMs(): number {
    return this.#estimateMs;
  }

  #update(rttMs: number): number {
    const now = this.#now();
    if (rttMs > this.#estimateMs) {
      this.#estimateMs = rttMs;
    } else {
      const decay = Math.exp(-Math.max(0, now - this.#updatedAt) / this.#decayMs);
      this.#estimateMs = this.#estimateMs * decay + rttMs * (1 - decay);
    }
    this.#updatedAt = now;
    return this.#estimateMs;
  }
}
