import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RetryBudget } from './budget.ts';

/** A budget on a fake clock the test moves with `at(ms)`. */
function budgetAt(retryRatio: number, minRetriesPerSecond: number, ttlMs: number) {
  const clock = { ms: 0 };
  const budget = new RetryBudget({ retryRatio, minRetriesPerSecond, ttlMs, now: () => clock.ms });
  return {
    budget,
    at(ms: number) {
      clock.ms = ms;
      return budget;
    },
    /** Withdraws until refused; how many were allowed. */
    drain() {
      let allowed = 0;
      while (budget.withdraw()) allowed += 1;
      return allowed;
    },
    deposit(n: number) {
      for (let i = 0; i < n; i++) budget.deposit();
    },
  };
}

describe('RetryBudget', () => {
  it('always allows minRetriesPerSecond over the window, with no traffic at all', () => {
    const b = budgetAt(0.2, 10, 10_000);
    assert.equal(b.budget.available(), 100);
    assert.equal(b.drain(), 100);
    assert.equal(b.at(9_999).withdraw(), false, 'the window still holds them');
    b.at(10_000);
    assert.equal(b.drain(), 100);
  });

  it('lets a steady minRetriesPerSecond through forever', () => {
    const b = budgetAt(0, 10, 10_000);
    let refused = 0;
    for (let ms = 0; ms < 60_000; ms += 100) if (!b.at(ms).withdraw()) refused += 1;
    assert.equal(refused, 0);
  });

  it('adds retryRatio of a retry for each original request', () => {
    const b = budgetAt(0.2, 0, 10_000);
    b.deposit(4);
    assert.equal(b.budget.withdraw(), false, '0.8 of a retry is not one');
    b.deposit(46);
    assert.equal(b.drain(), 10);
  });

  it('lets old deposits and withdrawals leave the window slot by slot', () => {
    const b = budgetAt(1, 0, 1_000); // ten slots of 100 ms
    b.deposit(2);
    b.at(300);
    assert.equal(b.drain(), 2);
    b.at(600);
    b.deposit(2);
    assert.equal(b.budget.available(), 2);
    assert.equal(b.at(999).available(), 2);
    assert.equal(b.at(1_000).available(), 0, 'the deposits at 0 ms have left');
    assert.equal(b.at(1_299).available(), 0);
    assert.equal(b.at(1_300).available(), 2, 'the withdrawals at 300 ms have left');
    assert.equal(b.at(1_600).available(), 0, 'the deposits at 600 ms have left');
    assert.equal(b.at(1_000_000).available(), 0, 'a long silence empties every slot');
  });

  it('caps a retry storm at the ratio of real traffic plus the minimum', () => {
    const b = budgetAt(0.2, 10, 10_000);
    let retries = 0;
    // 1000 requests over 5 s, each failing and asking for up to 3 retries.
    for (let i = 0; i < 1_000; i++) {
      b.at(i * 5).deposit();
      for (let t = 0; t < 3; t++) if (b.budget.withdraw()) retries += 1;
    }
    assert.equal(retries, 100 + 200);
  });
});
