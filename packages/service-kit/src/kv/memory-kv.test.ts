import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { kvContract } from './kv-contract.ts';
import { MemoryKvStore } from './memory-kv.ts';

describe('MemoryKvStore', () => {
  const opened: MemoryKvStore[] = [];
  after(async () => {
    for (const store of opened) await store.close();
  });

  kvContract(async () => {
    let now = 1_000_000;
    const store = new MemoryKvStore({ now: () => now });
    opened.push(store);
    return {
      store,
      advance: async (ms) => {
        now += ms;
      },
    };
  });

  it('forgets expired keys nobody reads once the map has doubled', async () => {
    let now = 0;
    const store = new MemoryKvStore({ now: () => now });
    for (let i = 0; i < 1000; i++) await store.set(`old-${i}`, 'v', { ttlMs: 10 });
    now = 100;
    for (let i = 0; i < 100; i++) await store.set(`new-${i}`, 'v');
    // The 1024th entry triggered a sweep that dropped the 1000 expired ones unread.
    assert.equal(store.size, 100);
    assert.equal(await store.get('new-0'), 'v');
    await store.close();
  });
});
