/**
 * The in-process store used when REDIS_URL is unset.
 *
 * What it cannot do: it lives in one process's memory, so nothing is shared between replicas of a
 * service or between services, and everything is lost on restart. Counters and caches kept here
 * are per replica. Expiry is lazy (checked on access, plus a sweep when the map has doubled) so
 * it holds no timers and never keeps the process alive.
 */
import { KvClosedError, KvNotIntegerError, type KvSetOptions, type KvStore } from './kv-store.ts';

interface Entry {
  value: string;
  /** Epoch ms after which the entry is gone; Infinity for none. */
  expiresAt: number;
}

export interface MemoryKvOptions {
  /** Clock in ms; tests pass a fake one to move time without waiting. */
  readonly now?: () => number;
}

const MIN_SWEEP_SIZE = 1024;

export class MemoryKvStore implements KvStore {
  readonly kind = 'memory';
  readonly #entries = new Map<string, Entry>();
  readonly #now: () => number;
  #closed = false;
  #sweepAt = MIN_SWEEP_SIZE;

  constructor(options: MemoryKvOptions = {}) {
    this.#now = options.now ?? Date.now;
  }

  /** Entries held, counting expired ones not yet swept. */
  get size(): number {
    return this.#entries.size;
  }

  async get(key: string): Promise<string | null> {
    return this.#live(key)?.value ?? null;
  }

  async set(key: string, value: string, options?: KvSetOptions): Promise<void> {
    this.#open();
    const ttlMs = options?.ttlMs;
    const expiresAt = ttlMs === undefined ? Number.POSITIVE_INFINITY : this.#now() + ttlMs;
    this.#entries.set(key, { value, expiresAt });
    if (this.#entries.size >= this.#sweepAt) this.#sweep();
  }

  async del(key: string): Promise<boolean> {
    const existed = this.#live(key) !== undefined;
    this.#entries.delete(key);
    return existed;
  }

  async incrBy(key: string, delta: number): Promise<number> {
    const entry = this.#live(key);
    const current = entry === undefined ? 0 : Number(entry.value);
    if (
      !Number.isSafeInteger(delta) ||
      !/^-?\d+$/.test(entry?.value ?? '0') ||
      !Number.isSafeInteger(current)
    ) {
      throw new KvNotIntegerError(key);
    }
    const next = current + delta;
    if (entry === undefined) {
      this.#entries.set(key, { value: String(next), expiresAt: Number.POSITIVE_INFINITY });
    } else {
      entry.value = String(next);
    }
    return next;
  }

  async ping(): Promise<void> {
    this.#open();
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#entries.clear();
  }

  #open(): void {
    if (this.#closed) throw new KvClosedError();
  }

  /** The entry if present and unexpired; an expired one is dropped on the way. */
  #live(key: string): Entry | undefined {
    this.#open();
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.expiresAt > this.#now()) return entry;
    this.#entries.delete(key);
    return undefined;
  }

  /** Drops expired entries; runs when the map has doubled, so its cost is amortised per write. */
  #sweep(): void {
    const now = this.#now();
    for (const [key, entry] of this.#entries) if (entry.expiresAt <= now) this.#entries.delete(key);
    this.#sweepAt = Math.max(MIN_SWEEP_SIZE, this.#entries.size * 2);
  }
}
