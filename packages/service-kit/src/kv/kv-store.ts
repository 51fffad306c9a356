/** The key-value store a service gets: a deliberately small subset of Redis semantics. */

export interface KvSetOptions {
  /** Expire the key this many milliseconds from now; without it the key does not expire. */
  readonly ttlMs?: number;
}

/**
 * Strings by key. Semantics follow Redis so that both implementations behave alike: `set`
 * without a TTL clears any earlier TTL; `incrBy` treats a missing key as 0, keeps the key's TTL
 * and rejects a value that is not an integer.
 */
export interface KvStore {
  /** `memory` or `redis`: which implementation is behind this store. */
  readonly kind: 'memory' | 'redis';
  get(key: string): Promise<string | null>;
  set(key: string, value: string, options?: KvSetOptions): Promise<void>;
  /** Whether the key existed. */
  del(key: string): Promise<boolean>;
  /** The value after the increment. */
  incrBy(key: string, delta: number): Promise<number>;
  /** Resolves when the store answers; rejects otherwise (used by readiness). */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** Thrown by every operation after `close()`. */
export class KvClosedError extends Error {
  readonly code = 'FUSION_ERR_KV_CLOSED';
  constructor() {
    super('key-value store is closed');
    this.name = 'KvClosedError';
  }
}

/** Thrown by `incrBy` when the stored value is not an integer, as Redis does. */
export class KvNotIntegerError extends Error {
  readonly code = 'FUSION_ERR_KV_NOT_INTEGER';
  constructor(key: string) {
    super(`value of key "${key}" is not an integer`);
    this.name = 'KvNotIntegerError';
  }
}
