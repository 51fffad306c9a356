import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pickP2c } from './p2c.ts';
import { DEFAULT_RTT_MS, PeakEwma } from './peak-ewma.ts';

/** A clock the test moves by hand. */
function manualClock() {
  let now = 0;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

describe('PeakEwma', () => {
  it("starts from Linkerd's default RTT and multiplies by pending + 1", () => {
    const clock = manualClock();
    const load = new PeakEwma({ now: clock.now });
    assert.equal(load.cost(0), DEFAULT_RTT_MS);
    assert.equal(load.cost(2), 3 * DEFAULT_RTT_MS);
  });

  it('jumps to a slow sample at once, then decays with τ', () => {
    const clock = manualClock();
    const load = new PeakEwma({ now: clock.now, decayMs: 10_000 });
    clock.advance(5);
    load.observe(500);
    assert.equal(load.cost(0), 500, 'the very next pick sees the peak');
    clock.advance(10_000);
    // One τ later, 1/e of it is left.
    assert.ok(Math.abs(load.cost(0) - 500 / Math.E) < 1e-9, `${load.estimateMs}`);
    clock.advance(40_000);
    assert.ok(load.cost(0) < 500 * Math.exp(-5) + 1e-9, 'idle: decays towards zero');
  });

  it('moves towards faster samples at the rate τ sets, never below them for long', () => {
    const clock = manualClock();
    const load = new PeakEwma({ now: clock.now, decayMs: 10_000 });
    load.observe(200);
    const estimates: number[] = [];
    for (let s = 1; s <= 60; s++) {
      clock.advance(1_000);
      load.observe(10);
      estimates.push(load.estimateMs);
    }
    // After 1 s: 200·e^-0.1 + 10·(1 - e^-0.1) ≈ 191.9; after 60 s within a few ms of 10.
    assert.ok(Math.abs(estimates[0]! - (200 * Math.exp(-0.1) + 10 * (1 - Math.exp(-0.1)))) < 1e-9);
    assert.ok(estimates.every((e, i) => i === 0 || e < estimates[i - 1]!));
    assert.ok(estimates.at(-1)! < 10.5 && estimates.at(-1)! > 10, `${estimates.at(-1)}`);
    load.observe(40);
    assert.equal(load.estimateMs, 40, 'and jumps again at the next slow one');
  });
});

describe('pickP2c', () => {
  it('picks two distinct candidates and keeps the cheaper', () => {
    const costs = [5, 1, 3];
    const chosen = new Map<number, number>();
    // Every (first, second) pair the two random draws can make, each once.
    for (let first = 0; first < 3; first++) {
      for (let second = 0; second < 2; second++) {
        const draws = [first / 3 + 0.01, second / 2 + 0.01];
        const pick = pickP2c(
          [0, 1, 2],
          (i) => costs[i]!,
          () => draws.shift()!,
        );
        chosen.set(pick!, (chosen.get(pick!) ?? 0) + 1);
      }
    }
    // The cheapest wins every pair it is in (4 of 6), the middle one the pairs without it,
    // the dearest never.
    assert.deepEqual(Object.fromEntries(chosen), { 1: 4, 2: 2 });
  });

  it('needs no draw for one candidate and returns undefined for none', () => {
    const never = () => assert.fail('no random draw needed');
    assert.equal(
      pickP2c(['only'], () => 0, never),
      'only',
    );
    assert.equal(
      pickP2c([], () => 0, never),
      undefined,
    );
  });
});
