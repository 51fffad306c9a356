import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Endpoint } from '../discovery/index.ts';
import type { ProxyError } from '../errors/proxy-error.ts';
import { HeaderList } from '../http/headers.ts';
import { emptyResponse, type ProxyRequest, type ProxyResponse } from '../http/message.ts';
import {
  balance,
  type EndpointService,
  type EndpointStatus,
  type EndpointTarget,
} from './balancer.ts';

/** Endpoint stacks whose status the test sets and whose responses it releases by hand. */
function fakeEndpoints() {
  const built: EndpointTarget[] = [];
  const closed: string[] = [];
  const status = new Map<string, EndpointStatus>();
  const served = new Map<string, number>();
  const held: Array<() => void> = [];
  let holding = false;
  const newEndpoint = (target: EndpointTarget): EndpointService => {
    built.push(target);
    return {
      handle: () => {
        served.set(target.address, (served.get(target.address) ?? 0) + 1);
        const response = emptyResponse(200, HeaderList.from({ 'x-address': target.address }));
        if (!holding) return Promise.resolve(response);
        return new Promise<ProxyResponse>((resolve) => held.push(() => resolve(response)));
      },
      status: () => status.get(target.address) ?? 'ready',
      close: () => closed.push(target.address),
    };
  };
  return {
    newEndpoint,
    built,
    closed,
    status,
    served,
    hold: (on: boolean) => {
      holding = on;
    },
    release: () => {
      for (const resolve of held.splice(0)) resolve();
    },
  };
}

/** A seeded generator (mulberry32), so the picks are the same on every run. */
function seeded(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const request = {} as ProxyRequest;
const endpoints = (...ports: number[]): Endpoint[] =>
  ports.map((p) => ({ address: `10.0.0.1:${p}`, identity: `e${p}` }));
const addressOf = (response: ProxyResponse) => response.headers.get('x-address');

describe('balance', () => {
  it('sends new requests to the endpoint with fewer in flight', async () => {
    let now = 0;
    const fake = fakeEndpoints();
    const balancer = balance({ random: seeded(1), now: () => now })(fake.newEndpoint)({
      service: 's',
      endpoints: endpoints(1, 2),
    });
    fake.hold(true);
    const inFlight = Array.from({ length: 10 }, () => balancer.handle(request));
    // Equal RTT estimates: whichever has fewer pending wins, so the two stay within one.
    assert.deepEqual([...fake.served.values()].sort(), [5, 5]);
    fake.release();
    await Promise.all(inFlight);
    now += 1;
    assert.deepEqual(
      balancer.snapshot().map((e) => e.pending),
      [0, 0],
    );
  });

  it('avoids an endpoint after a slow response until its estimate decays to the others', async () => {
    let now = 0;
    const fake = fakeEndpoints();
    const balancer = balance({ random: seeded(2), now: () => now, decayMs: 10_000 })(
      fake.newEndpoint,
    )({ service: 's', endpoints: endpoints(1, 2) });
    // One 2 s response from whichever is picked first.
    fake.hold(true);
    const first = balancer.handle(request);
    const slow = [...fake.served.keys()][0]!;
    now += 2_000;
    fake.release();
    await first;
    fake.hold(false);
    // Then one request a second, each answered in 1 ms.
    let retriedAt: number | undefined;
    for (let second = 1; second <= 120 && retriedAt === undefined; second++) {
      now += 999;
      fake.served.clear();
      const response = balancer.handle(request);
      now += 1;
      await response;
      if (fake.served.has(slow)) retriedAt = second;
    }
    // Tried again once 2000·e^(-t/τ) falls to the 1 ms the other proves: t ≈ τ·ln 2000 ≈ 76 s.
    assert.ok(retriedAt !== undefined && retriedAt >= 70 && retriedAt <= 80, `${retriedAt}`);
  });

  it('skips failed endpoints, uses pending ones only when none is ready, else fails fast', async () => {
    const fake = fakeEndpoints();
    const balancer = balance({ random: seeded(3) })(fake.newEndpoint)({
      service: 's',
      endpoints: endpoints(1, 2, 3),
    });
    fake.status.set('10.0.0.1:1', 'failed');
    fake.status.set('10.0.0.1:2', 'pending');
    for (let i = 0; i < 30; i++)
      assert.equal(addressOf(await balancer.handle(request)), '10.0.0.1:3');
    fake.status.set('10.0.0.1:3', 'failed');
    for (let i = 0; i < 10; i++)
      assert.equal(addressOf(await balancer.handle(request)), '10.0.0.1:2');
    fake.status.set('10.0.0.1:2', 'failed');
    await assert.rejects(balancer.handle(request), (error: ProxyError) => {
      assert.equal(error.code, 'FAIL_FAST');
      assert.match(error.message, /service s is unavailable: all 3 of its endpoints are failing/);
      return true;
    });
    assert.equal(fake.served.get('10.0.0.1:1'), undefined);
  });

  it('fails fast when discovery names no endpoints', async () => {
    const fake = fakeEndpoints();
    const balancer = balance()(fake.newEndpoint)({ service: 's', endpoints: [] });
    await assert.rejects(balancer.handle(request), /FAIL_FAST|no endpoints/);
    await balancer.handle(request).catch((error: ProxyError) => assert.equal(error.status, 503));
  });

  it('follows discovery updates, building and closing only what changed', async () => {
    const fake = fakeEndpoints();
    const balancer = balance()(fake.newEndpoint)({ service: 's', endpoints: endpoints(1, 2) });
    assert.deepEqual(
      fake.built.map((t) => [t.service, t.address, t.identity]),
      [
        ['s', '10.0.0.1:1', 'e1'],
        ['s', '10.0.0.1:2', 'e2'],
      ],
    );
    balancer.update([...endpoints(2, 3), ...endpoints(3)]);
    assert.deepEqual(
      fake.built.map((t) => t.address),
      ['10.0.0.1:1', '10.0.0.1:2', '10.0.0.1:3'],
    );
    assert.deepEqual(fake.closed, ['10.0.0.1:1']);
    // Same address, new identity: a different endpoint (it must prove another name).
    balancer.update([{ address: '10.0.0.1:2', identity: 'other' }]);
    assert.equal(fake.built.length, 4);
    assert.deepEqual(fake.closed, ['10.0.0.1:1', '10.0.0.1:2', '10.0.0.1:3']);
    balancer.close();
    assert.equal(fake.closed.length, 4);
    await assert.rejects(balancer.handle(request), /FAIL_FAST|no endpoints/);
  });
});

describe('balance, after failures', () => {
  it('a retry avoids the endpoints its earlier tries went to, while others are usable', async () => {
    const fake = fakeEndpoints();
    const balancer = balance({ random: seeded(3) })(fake.newEndpoint)({
      service: 'identity',
      endpoints: endpoints(1, 2, 3),
    });
    for (let i = 0; i < 20; i++) {
      const tried: string[] = [];
      const first = addressOf(await balancer.handle({ ...request, tried }));
      const second = addressOf(await balancer.handle({ ...request, tried }));
      const third = addressOf(await balancer.handle({ ...request, tried }));
      assert.equal(new Set([first, second, third]).size, 3, 'three tries, three replicas');
      // With every replica tried, the next try may go anywhere rather than nowhere.
      assert.ok(addressOf(await balancer.handle({ ...request, tried })));
      assert.equal(tried.length, 4);
    }
  });

  it('a replica that fails fast is not taken for the fastest', async () => {
    let now = 0;
    const statusOf = new Map([['10.0.0.1:1', 503]]);
    const served = new Map<string, number>();
    const balancer = balance({ random: seeded(5), now: () => now })((target) => ({
      handle: () => {
        served.set(target.address, (served.get(target.address) ?? 0) + 1);
        now += target.address === '10.0.0.1:1' ? 0.1 : 2; // the failing one answers at once
        return Promise.resolve(emptyResponse(statusOf.get(target.address) ?? 200));
      },
      status: () => 'ready',
      close: () => {},
    }))({ service: 'identity', endpoints: endpoints(1, 2) });
    for (let i = 0; i < 200; i++) await balancer.handle(request);
    // Without the penalty its 0.1 ms answers would draw nearly all of them.
    assert.ok(
      (served.get('10.0.0.1:1') ?? 0) < 50,
      `the failing replica got ${served.get('10.0.0.1:1')}`,
    );
  });
});
