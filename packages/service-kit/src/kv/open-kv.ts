/** Picks the store implementation from the environment. */
import type { KvStore } from './kv-store.ts';
import { MemoryKvStore } from './memory-kv.ts';
import { RedisKvStore } from './redis-kv.ts';

export interface OpenKvOptions {
  readonly service: string;
  /** REDIS_URL; without it the store is in-process memory. */
  readonly redisUrl: string | undefined;
  readonly onError?: (error: Error) => void;
}

export async function openKvStore(options: OpenKvOptions): Promise<KvStore> {
  if (options.redisUrl === undefined) return new MemoryKvStore();
  return RedisKvStore.connect({
    url: options.redisUrl,
    service: options.service,
    ...(options.onError && { onError: options.onError }),
  });
}
