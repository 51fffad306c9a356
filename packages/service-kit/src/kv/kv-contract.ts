/**
 * Test support: the behaviour every KvStore must share, run by the memory and the Redis tests
 * alike so the two cannot drift apart.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { KvClosedError, KvNotIntegerError, type KvStore } from './kv-store.ts';

export interface ContractSubject {
  readonly store: KvStore;
  /** Lets `ms` of store time pass (a fake clock, or a real wait for Redis). */
  advance(ms: number): Promise<void>;
}

export function kvContract(open: () => Promise<ContractSubject>): void {
  it('gets what was set, and null for a missing key', async () => {
    const { store } = await open();
    assert.equal(await store.get('missing'), null);
    await store.set('greeting', 'hello');
    assert.equal(await store.get('greeting'), 'hello');
    await store.set('greeting', 'again');
    assert.equal(await store.get('greeting'), 'again');
  });

  it('deletes, telling whether the key existed', async () => {
    const { store } = await open();
    await store.set('doomed', 'x');
    assert.equal(await store.del('doomed'), true);
    assert.equal(await store.del('doomed'), false);
    assert.equal(await store.get('doomed'), null);
  });

  it('expires a key after its TTL, and set without TTL clears it', async () => {
    const { store, advance } = await open();
    await store.set('short', 'v', { ttlMs: 40 });
    await store.set('cleared', 'v', { ttlMs: 40 });
    await store.set('cleared', 'w');
    assert.equal(await store.get('short'), 'v');
    await advance(80);
    assert.equal(await store.get('short'), null);
    assert.equal(await store.get('cleared'), 'w');
    assert.equal(await store.del('short'), false);
  });

  it('increments from zero, by negative steps, keeping the TTL', async () => {
    const { store, advance } = await open();
    assert.equal(await store.incrBy('hits', 1), 1);
    assert.equal(await store.incrBy('hits', 41), 42);
    assert.equal(await store.incrBy('hits', -50), -8);
    assert.equal(await store.get('hits'), '-8');
    await store.set('window', '5', { ttlMs: 40 });
    assert.equal(await store.incrBy('window', 1), 6);
    await advance(80);
    assert.equal(await store.get('window'), null);
  });

  it('refuses to increment a value that is not an integer', async () => {
    const { store } = await open();
    await store.set('name', 'alice');
    await assert.rejects(store.incrBy('name', 1), KvNotIntegerError);
    await store.set('ratio', '1.5');
    await assert.rejects(store.incrBy('ratio', 1), KvNotIntegerError);
    assert.equal(await store.get('ratio'), '1.5');
  });

  it('answers ping while open and fails every call after close', async () => {
    const { store } = await open();
    await store.ping();
    await store.close();
    await assert.rejects(store.ping(), KvClosedError);
    await assert.rejects(store.get('x'), KvClosedError);
    await assert.rejects(store.set('x', 'y'), KvClosedError);
    await store.close();
  });
}
