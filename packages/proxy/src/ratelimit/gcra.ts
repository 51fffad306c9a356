/**
 * GCRA (the generic cell rate algorithm), Linkerd's rate limiter: each limit keeps one number,
 * the theoretical arrival time (TAT) of the next request at the steady rate. A request is let
 * through when it does not arrive earlier than TAT minus the tolerance, and then pushes TAT one
 * emission interval on. `burst` requests may come at once; after that, one per interval.
 *
 * A keyed limit (one per caller identity) keeps a TAT per key, in a Map bounded at `maxKeys`: a
 * key whose TAT has passed is the same as no key at all, so it is dropped first; if every key is
 * still busy, the longest-known ones go (those callers start afresh, a burst early: the price of
 * bounded memory however many callers there are).
 */
import type { RateLimit } from '@fusion/mesh-types';

/** Milliseconds on a monotonic clock. */
export type Clock = () => number;

export class Gcra {
  /** Milliseconds between requests at the steady rate. */
  readonly interval: number;
  /** How far ahead of now TAT may run and a request still pass. */
  readonly tolerance: number;

  constructor(limit: RateLimit) {
    this.interval = 1000 / limit.requestsPerSecond;
    this.tolerance = (Math.max(1, limit.burst) - 1) * this.interval;
  }

  /** Milliseconds until a request with this TAT may pass; 0: now. */
  waitMs(tat: number, now: number): number {
    return Math.max(0, tat - this.tolerance - now);
  }

  /** The TAT after a request passes now. */
  next(tat: number, now: number): number {
    return Math.max(tat, now) + this.interval;
  }
}

/** One limit for everyone. */
export class SharedLimit {
  readonly #gcra: Gcra;
  #tat = Number.NEGATIVE_INFINITY;

  constructor(limit: RateLimit) {
    this.#gcra = new Gcra(limit);
  }

  waitMs(now: number): number {
    return this.#gcra.waitMs(this.#tat, now);
  }

  take(now: number): void {
    this.#tat = this.#gcra.next(this.#tat, now);
  }
}

export const DEFAULT_MAX_KEYS = 4096;

/** One limit per key (caller identity), in bounded memory. */
export class KeyedLimit {
  readonly #gcra: Gcra;
  readonly #maxKeys: number;
  readonly #tats = new Map<string, number>();

  constructor(limit: RateLimit, maxKeys = DEFAULT_MAX_KEYS) {
    this.#gcra = new Gcra(limit);
    this.#maxKeys = maxKeys;
  }

  /** Keys held now (for tests and the admin page). */
  get size(): number {
    return this.#tats.size;
  }

  waitMs(key: string, now: number): number {
    const tat = this.#tats.get(key);
    return tat === undefined ? 0 : this.#gcra.waitMs(tat, now);
  }

  take(key: string, now: number): void {
    const tats = this.#tats;
    const tat = tats.get(key) ?? Number.NEGATIVE_INFINITY;
    // Delete first, so that the Map's order is the order keys were last used in.
    tats.delete(key);
    tats.set(key, this.#gcra.next(tat, now));
    if (tats.size > this.#maxKeys) this.#shrink(now);
  }

  #shrink(now: number): void {
    const tats = this.#tats;
    for (const [key, tat] of tats) if (tat <= now) tats.delete(key);
    // Down to three quarters, the least recently seen busy callers last, so that this O(n)
    // sweep runs once per maxKeys/4 new callers at most.
    let excess = tats.size - Math.floor((this.#maxKeys * 3) / 4);
    for (const key of tats.keys()) {
      if (excess-- <= 0) break;
      tats.delete(key);
    }
  }
}
