import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { refreshDelayMs, retryDelayMs } from './refresh.ts';

const HOUR = 3_600_000;
const LINKERD = { minRefreshMs: 10_000, maxRefreshMs: 24 * HOUR };
const noJitter = () => 0.5;

describe('refreshDelayMs', () => {
  it('renews at 70 % of the remaining lifetime (a fresh 24 h certificate: after 16.8 h)', () => {
    assert.equal(refreshDelayMs(24 * HOUR, 0, LINKERD, noJitter), 16.8 * HOUR);
  });

  it('measures from now, not from issuance', () => {
    // 10 h already gone of a 24 h certificate: 70 % of the 14 h left.
    assert.equal(refreshDelayMs(24 * HOUR, 10 * HOUR, LINKERD, noJitter), 9.8 * HOUR);
  });

  it('never waits less than minRefresh, even for a certificate already expired', () => {
    assert.equal(refreshDelayMs(5_000, 0, LINKERD, noJitter), 10_000);
    assert.equal(refreshDelayMs(1_000, 50_000, LINKERD, noJitter), 10_000);
  });

  it('never waits more than maxRefresh', () => {
    assert.equal(refreshDelayMs(365 * 24 * HOUR, 0, LINKERD, noJitter), 24 * HOUR);
    assert.equal(
      refreshDelayMs(10 * HOUR, 0, { minRefreshMs: 1, maxRefreshMs: HOUR }, noJitter),
      HOUR,
    );
  });

  it('spreads renewals by at most ±5 %', () => {
    const remaining = 10_000;
    const bounds = { minRefreshMs: 1, maxRefreshMs: HOUR };
    assert.equal(
      refreshDelayMs(remaining, 0, bounds, () => 0),
      6_650,
    );
    assert.equal(
      refreshDelayMs(remaining, 0, bounds, () => 0.999_999),
      7_350,
    );
    const seen = new Set<number>();
    for (let i = 0; i < 100; i++) {
      const delay = refreshDelayMs(remaining, 0, bounds, () => i / 100);
      assert.ok(delay >= 6_650 && delay <= 7_350, `${delay} outside 6650..7350`);
      seen.add(delay);
    }
    assert.equal(seen.size, 100, 'each random draw gives its own delay');
  });

  it('applies the clamps after the jitter, so jitter never crosses a bound', () => {
    // 70 % of 14.4 s is 10.08 s, just above minRefresh; -5 % jitter would give 9.58 s.
    assert.equal(
      refreshDelayMs(14_400, 0, LINKERD, () => 0),
      10_000,
    );
    // 70 % of 34.3 h is 24.01 h, just above maxRefresh; both jitters end at the clamp or below.
    assert.equal(
      refreshDelayMs(34.3 * HOUR, 0, LINKERD, () => 0.999),
      24 * HOUR,
    );
  });
});

describe('retryDelayMs', () => {
  const backoff = { initialMs: 1_000, maxMs: 10_000 };

  it('doubles from the initial delay up to the cap', () => {
    const delays = [1, 2, 3, 4, 5, 6, 50].map((n) => retryDelayMs(n, backoff, noJitter));
    assert.deepEqual(delays, [1_000, 2_000, 4_000, 8_000, 10_000, 10_000, 10_000]);
  });

  it('jitters by at most ±10 % and never leaves [initial, max]', () => {
    assert.equal(
      retryDelayMs(2, backoff, () => 0),
      1_800,
    );
    assert.equal(
      retryDelayMs(2, backoff, () => 0.999_999),
      2_200,
    );
    assert.equal(
      retryDelayMs(1, backoff, () => 0),
      1_000,
    );
    assert.equal(
      retryDelayMs(9, backoff, () => 0.999_999),
      10_000,
    );
  });
});
