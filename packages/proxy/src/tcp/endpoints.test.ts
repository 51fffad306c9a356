import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Endpoint } from '../discovery/index.ts';
import { EndpointPicker, keyOf } from './endpoints.ts';

const endpoints: Endpoint[] = [1, 2, 3].map((n) => ({
  address: `10.0.0.${n}:5432`,
  identity: `db${n}`,
}));
const [a, b, c] = endpoints as [Endpoint, Endpoint, Endpoint];
const backoff = { minMs: 100, maxMs: 1_000, jitter: 0 };

function picker() {
  let now = 0;
  let seed = 1;
  const random = () => {
    seed = (seed * 16_807) % 2_147_483_647;
    return seed / 2_147_483_647;
  };
  return {
    picker: new EndpointPicker({ backoff, random, now: () => now }),
    advance: (ms: number) => {
      now += ms;
    },
  };
}

describe('EndpointPicker', () => {
  it('spreads connections by how many each endpoint has open', () => {
    const { picker: p } = picker();
    const counts = new Map<string, number>();
    for (let i = 0; i < 30; i++) {
      const chosen = p.pick(endpoints, new Set())!;
      p.opened(chosen);
      counts.set(chosen.address, (counts.get(chosen.address) ?? 0) + 1);
    }
    // p2c over open connections keeps the three within a couple of one another.
    const spread = [...counts.values()];
    assert.equal(spread.length, 3);
    assert.ok(Math.max(...spread) - Math.min(...spread) <= 3, JSON.stringify([...counts]));
  });

  it('skips an endpoint that failed until its backoff ends, doubling each time', () => {
    const { picker: p, advance } = picker();
    p.failed(a);
    for (let i = 0; i < 20; i++) assert.notEqual(p.pick(endpoints, new Set()), a);
    advance(100);
    const picks = new Set(Array.from({ length: 40 }, () => p.pick(endpoints, new Set())));
    assert.ok(picks.has(a), 'tried again once its 100 ms are over');
    p.failed(a);
    advance(150);
    for (let i = 0; i < 20; i++) assert.notEqual(p.pick(endpoints, new Set()), a, 'now 200 ms');
    // A connection that got through makes it healthy at once.
    p.opened(a);
    p.closed(a);
    assert.ok(new Set(Array.from({ length: 40 }, () => p.pick(endpoints, new Set()))).has(a));
  });

  it('never picks what was tried; with every endpoint failing, the one due first', () => {
    const { picker: p, advance } = picker();
    assert.equal(p.pick([a, b], new Set([keyOf(a)])), b);
    assert.equal(p.pick([a], new Set([keyOf(a)])), undefined);
    p.failed(b);
    advance(10);
    p.failed(a);
    p.failed(c);
    assert.equal(p.pick(endpoints, new Set()), b);
    assert.equal(p.pick(endpoints, new Set([keyOf(b)])), a);
  });
});
