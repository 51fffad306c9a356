import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KeyedLimit, SharedLimit } from './gcra.ts';
import { RateLimiter } from './limiter.ts';

const KERNEL = 'ai-kernel.default.serviceaccount.identity.cluster.local';
const VISION = 'vision.default.serviceaccount.identity.cluster.local';

/** How many of `count` requests at `now` pass. */
const passed = (limiter: RateLimiter, clientId: string | undefined, now: number, count: number) => {
  let n = 0;
  for (let i = 0; i < count; i++) if (limiter.admit(clientId, now).allowed) n++;
  return n;
};

describe('GCRA', () => {
  it('lets `burst` requests through at once, then one per interval', () => {
    const limit = new SharedLimit({ requestsPerSecond: 10, burst: 5 });
    let n = 0;
    for (let i = 0; i < 20; i++) {
      if (limit.waitMs(0) === 0) {
        limit.take(0);
        n++;
      }
    }
    assert.equal(n, 5);
    assert.equal(limit.waitMs(0), 100, 'the next one is due one interval (100 ms) later');
    assert.equal(limit.waitMs(100), 0);
  });

  it('holds a steady rate: 50 rps driven at 250 rps for 10 s passes 50 a second', () => {
    const limiter = new RateLimiter({ total: { requestsPerSecond: 50, burst: 50 }, overrides: [] });
    const perSecond: number[] = [];
    for (let second = 0; second < 10; second++) {
      let n = 0;
      for (let i = 0; i < 250; i++) {
        if (limiter.admit(KERNEL, second * 1000 + i * 4).allowed) n++;
      }
      perSecond.push(n);
    }
    // The first second also spends the burst.
    assert.ok(perSecond[0]! >= 50 && perSecond[0]! <= 100, `${perSecond[0]}`);
    for (const n of perSecond.slice(1)) assert.ok(Math.abs(n - 50) <= 1, `${perSecond}`);
  });
});

describe('RateLimiter', () => {
  it('gives each identity its own limit, callers without one a shared one, overrides their own', () => {
    const limiter = new RateLimiter({
      identity: { requestsPerSecond: 2, burst: 2 },
      overrides: [{ requestsPerSecond: 5, burst: 5, identities: [KERNEL] }],
    });
    assert.equal(passed(limiter, VISION, 0, 10), 2);
    assert.equal(passed(limiter, KERNEL, 0, 10), 5);
    assert.equal(passed(limiter, undefined, 0, 10), 2);
    assert.equal(passed(limiter, 'other.default.serviceaccount.identity.cluster.local', 0, 10), 2);
    const refused = limiter.admit(VISION, 0);
    assert.deepEqual(refused, { allowed: false, scope: 'identity', waitMs: 500 });
    assert.deepEqual(limiter.admit(KERNEL, 0), { allowed: false, scope: 'override', waitMs: 200 });
  });

  it('counts a request against its caller only when the total lets it through too', () => {
    const limiter = new RateLimiter({
      total: { requestsPerSecond: 3, burst: 3 },
      identity: { requestsPerSecond: 2, burst: 2 },
      overrides: [],
    });
    assert.equal(passed(limiter, VISION, 0, 1), 1);
    assert.equal(passed(limiter, KERNEL, 0, 5), 2);
    const verdict = limiter.admit(VISION, 0);
    assert.equal(verdict.allowed, false);
    assert.equal(!verdict.allowed && verdict.scope, 'total');
    // Vision's own limit was not spent by the refused request: one interval later it passes.
    assert.equal(limiter.admit(VISION, 334).allowed, true);
  });

  it('matches overrides written with wildcards', () => {
    const limiter = new RateLimiter({
      identity: { requestsPerSecond: 1, burst: 1 },
      overrides: [
        {
          requestsPerSecond: 4,
          burst: 4,
          identities: ['*.default.serviceaccount.identity.cluster.local'],
        },
      ],
    });
    assert.equal(passed(limiter, VISION, 0, 10), 4);
    assert.equal(passed(limiter, 'x.other.example', 0, 10), 1);
  });

  it('keeps its memory bounded over 10,000 distinct callers (a fake clock, no sleeping)', () => {
    const maxKeys = 1000;
    const limiter = new RateLimiter(
      { identity: { requestsPerSecond: 1, burst: 1 }, overrides: [] },
      maxKeys,
    );
    let most = 0;
    // All at once: every key is still busy, so the least recently seen go.
    for (let i = 0; i < 10_000; i++) {
      assert.equal(limiter.admit(`caller-${i}.example`, 0).allowed, true);
      most = Math.max(most, limiter.keysHeld);
    }
    assert.ok(most <= maxKeys, `${most} keys held`);
    // Spread over time: keys whose turn has passed are the first to go.
    for (let i = 0; i < 10_000; i++) limiter.admit(`late-${i}.example`, 10_000 + i * 10);
    assert.ok(limiter.keysHeld <= maxKeys);
    // The most recent callers are still limited.
    assert.equal(limiter.admit('late-9999.example', 10_000 + 9999 * 10).allowed, false);
  });

  it('bounds a keyed limit by itself', () => {
    const limit = new KeyedLimit({ requestsPerSecond: 1, burst: 1 }, 8);
    for (let i = 0; i < 100; i++) limit.take(`k${i}`, 0);
    assert.ok(limit.size <= 8);
  });
});
