import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { kvContract } from './kv-contract.ts';
import { RedisKvStore } from './redis-kv.ts';

const url = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const run = `kit-test-${randomBytes(4).toString('hex')}`;
let opens = 0;

/** Whether a Redis server answers at `url`; the suite skips with a message when not. */
async function reachable(): Promise<boolean> {
  const probe = new Redis(url, {
    lazyConnect: true,
    connectTimeout: 1000,
    maxRetriesPerRequest: 0,
  });
  probe.on('error', () => {});
  try {
    await probe.connect();
    await probe.ping();
    return true;
  } catch {
    return false;
  } finally {
    probe.disconnect();
  }
}

const available = await reachable();
const skip = available ? false : `Redis is not reachable at ${url}`;

describe('RedisKvStore', { skip }, () => {
  const opened: RedisKvStore[] = [];
  let raw: Redis;

  before(() => {
    raw = new Redis(url);
  });

  after(async () => {
    for (const store of opened) await store.close();
    const keys = await raw.keys(`${run}*`);
    if (keys.length > 0) await raw.del(...keys);
    await raw.quit();
  });

  kvContract(async () => {
    // A fresh prefix per test keeps each one's keys apart.
    const store = await RedisKvStore.connect({ url, service: `${run}-${++opens}` });
    opened.push(store);
    return { store, advance: (ms) => sleep(ms) };
  });

  it('prefixes every key with the service name', async () => {
    const store = await RedisKvStore.connect({ url, service: run });
    opened.push(store);
    await store.set('prefixed', 'yes');
    assert.equal(await raw.get(`${run}:prefixed`), 'yes');
    assert.equal(await raw.get('prefixed'), null);
  });

  it('reports an unreachable server with its address and no credentials', async () => {
    await assert.rejects(
      RedisKvStore.connect({ url: 'redis://user:secret@127.0.0.1:1', service: run }),
      (error: Error) => {
        assert.match(error.message, /^cannot reach Redis at redis:\/\/\*\*\*@127\.0\.0\.1:1: /);
        assert.doesNotMatch(error.message, /secret/);
        return true;
      },
    );
  });
});
