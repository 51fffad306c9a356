/** Key-value store: in-process memory by default, Redis when REDIS_URL is set. */
export type { KvSetOptions, KvStore } from './kv-store.ts';
export { KvClosedError, KvNotIntegerError } from './kv-store.ts';
export type { MemoryKvOptions } from './memory-kv.ts';
export { MemoryKvStore } from './memory-kv.ts';
export type { OpenKvOptions } from './open-kv.ts';
export { openKvStore } from './open-kv.ts';
export type { RedisKvOptions } from './redis-kv.ts';
export { RedisKvStore } from './redis-kv.ts';
