import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  currentDeadline,
  MAX_DEADLINE_MS,
  parseDeadlineHeader,
  runWithDeadline,
  runWithRequestDeadline,
} from './deadline.ts';

/** Resolves with the abort reason once `signal` has aborted (at once if it already has). */
function aborted(signal: AbortSignal): Promise<unknown> {
  if (signal.aborted) return Promise.resolve(signal.reason);
  return new Promise((resolve) =>
    signal.addEventListener('abort', () => resolve(signal.reason), { once: true }),
  );
}

describe('deadlines', () => {
  it('reads a fusion-timeout-ms value only when it is a non-negative integer', () => {
    assert.equal(parseDeadlineHeader('0'), 0);
    assert.equal(parseDeadlineHeader('1500'), 1500);
    assert.equal(parseDeadlineHeader('007'), 7);
    for (const bad of ['', ' 5', '5 ', '-5', '1.5', '1e3', '0x10', 'soon', '100, 200']) {
      assert.equal(parseDeadlineHeader(bad), undefined, JSON.stringify(bad));
    }
  });

  it('cuts a budget longer than a timer can wait to the longest one can', async () => {
    assert.equal(parseDeadlineHeader('99999999999999999999999'), MAX_DEADLINE_MS);
    // A timer past 2^31-1 ms fires after 1 ms instead, with a TimeoutOverflowWarning.
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(warning.name);
    process.on('warning', onWarning);
    try {
      runWithDeadline(Number.MAX_SAFE_INTEGER, () => {
        assert.ok(currentDeadline()!.remainingMs() <= MAX_DEADLINE_MS);
        assert.equal(currentDeadline()!.signal.aborted, false);
      });
      await new Promise(setImmediate); // warnings are emitted on a later tick
      assert.deepEqual(warnings, []);
    } finally {
      process.off('warning', onWarning);
    }
  });

  it('has no deadline outside one', () => {
    assert.equal(currentDeadline(), undefined);
  });

  it('gives the code inside a deadline its remaining time and a signal not yet aborted', async () => {
    await runWithDeadline(60_000, async () => {
      const deadline = currentDeadline()!;
      assert.ok(deadline.remainingMs() > 0 && deadline.remainingMs() <= 60_000);
      assert.ok(deadline.at > performance.now());
      await Promise.resolve();
      assert.equal(currentDeadline(), deadline, 'the same deadline after an await');
      assert.equal(deadline.signal.aborted, false);
      assert.equal(deadline.signal, deadline.signal, 'one signal per deadline');
    });
    assert.equal(currentDeadline(), undefined);
  });

  it('aborts the signal with a TimeoutError when the deadline passes', async () => {
    const [reason, remainingMs] = await runWithDeadline(1, async () => {
      const deadline = currentDeadline()!;
      return [await aborted(deadline.signal), deadline.remainingMs()];
    });
    assert.equal((reason as DOMException).name, 'TimeoutError');
    assert.equal(remainingMs, 0, 'a deadline whose signal fired has nothing left');
  });

  it('has a passed deadline report 0 ms left and an already aborted signal', () => {
    runWithRequestDeadline(performance.now() - 10, 5, () => {
      const deadline = currentDeadline()!;
      assert.equal(deadline.remainingMs(), 0);
      assert.equal(deadline.signal.aborted, true);
      assert.equal((deadline.signal.reason as DOMException).name, 'TimeoutError');
    });
  });

  it('only shrinks a budget when deadlines nest', () => {
    runWithDeadline(1_000, () => {
      const outer = currentDeadline()!;
      runWithDeadline(60_000, () => assert.equal(currentDeadline(), outer));
      runWithDeadline(10, () => assert.ok(currentDeadline()!.at < outer.at));
    });
  });
});
