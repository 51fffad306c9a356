import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Endpoint } from '../discovery/index.ts';
import { HeaderList } from '../http/headers.ts';
import { emptyResponse, type ProxyRequest } from '../http/message.ts';
import { fakeRequest } from '../inbound/testing/stubs.ts';
import { balance, type EndpointService, type EndpointStatus } from './balancer.ts';

/** A balancer over endpoints that answer with their address, with statuses the test sets. */
function affinityBalancer() {
  const status = new Map<string, EndpointStatus>();
  const newEndpoint = (target: Endpoint): EndpointService => ({
    handle: async () => emptyResponse(200, new HeaderList(['x-address', target.address])),
    status: () => status.get(target.address) ?? 'ready',
    close: () => {},
  });
  const endpoints = (count: number): Endpoint[] =>
    Array.from({ length: count }, (_, i) => ({
      address: `10.0.0.${i + 1}:4143`,
      identity: 'identity',
    }));
  const balancer = balance()(newEndpoint)({ service: 'identity', endpoints: endpoints(3) });
  const where = async (key: string) => {
    const request: ProxyRequest = { ...fakeRequest(), affinityKey: key };
    return (await balancer.handle(request)).headers.get('x-address')!;
  };
  const placeAll = async (keys: string[]) => {
    const placed = new Map<string, string>();
    for (const key of keys) placed.set(key, await where(key));
    return placed;
  };
  return { balancer, status, endpoints, where, placeAll };
}

const KEYS = Array.from({ length: 1000 }, (_, i) => `user-${i}`);
const moved = (a: Map<string, string>, b: Map<string, string>) =>
  KEYS.filter((k) => a.get(k) !== b.get(k));

describe('session affinity in the balancer', () => {
  it('keeps each of 1,000 keys on one of 3 replicas over 10 requests, spread about evenly', async () => {
    const { placeAll } = affinityBalancer();
    const first = await placeAll(KEYS);
    for (let round = 0; round < 9; round++) {
      assert.deepEqual(moved(first, await placeAll(KEYS)), []);
    }
    const perReplica = new Map<string, number>();
    for (const address of first.values())
      perReplica.set(address, (perReplica.get(address) ?? 0) + 1);
    assert.equal(perReplica.size, 3);
    for (const count of perReplica.values()) assert.ok(count > 250 && count < 420, `${count}`);
  });

  it('moves only the keys a fourth replica now wins (≤ 35 %), all of them to it', async () => {
    const { balancer, endpoints, placeAll } = affinityBalancer();
    const before = await placeAll(KEYS);
    balancer.update(endpoints(4));
    const after = await placeAll(KEYS);
    const keys = moved(before, after);
    assert.ok(keys.length <= 350, `${keys.length} moved`);
    assert.ok(keys.length >= 150, `${keys.length} moved: the new replica takes its share`);
    for (const key of keys) assert.equal(after.get(key), '10.0.0.4:4143');
  });

  it("moves only a removed replica's keys, and an unready one's until it is back", async () => {
    const { balancer, status, endpoints, placeAll } = affinityBalancer();
    const before = await placeAll(KEYS);
    const third = '10.0.0.3:4143';
    const ownKeys = KEYS.filter((k) => before.get(k) === third);
    status.set(third, 'failed');
    const whileDown = await placeAll(KEYS);
    assert.deepEqual(moved(before, whileDown).sort(), [...ownKeys].sort());
    status.set(third, 'ready');
    assert.deepEqual(moved(before, await placeAll(KEYS)), [], 'its keys come back');
    balancer.update(endpoints(2));
    assert.deepEqual(moved(before, await placeAll(KEYS)).sort(), [...ownKeys].sort());
  });
});
