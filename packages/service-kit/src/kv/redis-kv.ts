/**
 * The Redis-backed store used when REDIS_URL is set. Keys are prefixed with `<service>:` so
 * services sharing one Redis never see each other's keys.
 */
import { Redis } from 'ioredis';
import { KvClosedError, KvNotIntegerError, type KvSetOptions, type KvStore } from './kv-store.ts';

export interface RedisKvOptions {
  readonly url: string;
  /** Service name; becomes the key prefix `<service>:`. */
  readonly service: string;
  /** Told about connection errors, once per distinct message rather than once per retry. */
  readonly onError?: (error: Error) => void;
}

export class RedisKvStore implements KvStore {
  readonly kind = 'redis';
  readonly #redis: Redis;
  #closed = false;

  private constructor(redis: Redis) {
    this.#redis = redis;
  }

  /** Connects and checks the server answers; rejects with the reason if it does not. */
  static async connect(options: RedisKvOptions): Promise<RedisKvStore> {
    const redis = new Redis(options.url, {
      keyPrefix: `${options.service}:`,
      lazyConnect: true,
      connectTimeout: 2000,
      // Fail a command after a couple of reconnect attempts instead of queueing it forever:
      // callers (and readiness) need an answer, not a hang.
      maxRetriesPerRequest: 2,
    });
    let lastMessage = '';
    redis.on('error', (error: Error) => {
      if (error.message === lastMessage) return;
      lastMessage = error.message;
      options.onError?.(error);
    });
    redis.on('ready', () => {
      lastMessage = '';
    });
    try {
      await redis.connect();
      await redis.ping();
    } catch (error) {
      redis.disconnect();
      throw new Error(`cannot reach Redis at ${safeUrl(options.url)}: ${(error as Error).message}`);
    }
    return new RedisKvStore(redis);
  }

  async get(key: string): Promise<string | null> {
    this.#open();
    return this.#redis.get(key);
  }

  async set(key: string, value: string, options?: KvSetOptions): Promise<void> {
    this.#open();
    const ttlMs = options?.ttlMs;
    if (ttlMs === undefined) await this.#redis.set(key, value);
    else await this.#redis.set(key, value, 'PX', Math.max(1, Math.ceil(ttlMs)));
  }

  async del(key: string): Promise<boolean> {
    this.#open();
    return (await this.#redis.del(key)) > 0;
  }

  async incrBy(key: string, delta: number): Promise<number> {
    this.#open();
    try {
      return await this.#redis.incrby(key, delta);
    } catch (error) {
      if (/not an integer/.test((error as Error).message)) throw new KvNotIntegerError(key);
      throw error;
    }
  }

  async ping(): Promise<void> {
    this.#open();
    await this.#redis.ping();
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#redis.quit().catch(() => this.#redis.disconnect());
  }

  #open(): void {
    if (this.#closed) throw new KvClosedError();
  }
}

function safeUrl(url: string): string {
  return url.replace(/\/\/[^@/]*@/, '//***@');
}
