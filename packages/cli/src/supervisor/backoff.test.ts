import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_BACKOFF, restartDelayMs } from './backoff.ts';

const noJitter = { ...DEFAULT_BACKOFF, jitter: 0 };

test('delays double from the initial delay and stop at the cap', () => {
  const delays = [0, 1, 2, 3, 10, 20].map((attempt) => restartDelayMs(noJitter, attempt));
  assert.deepEqual(delays, [250, 500, 1000, 2000, 30_000, 30_000]);
});

test('jitter stays within its fraction either way', () => {
  assert.equal(
    restartDelayMs(DEFAULT_BACKOFF, 2, () => 0),
    900,
  );
  assert.equal(
    restartDelayMs(DEFAULT_BACKOFF, 2, () => 1),
    1100,
  );
  assert.equal(
    restartDelayMs(DEFAULT_BACKOFF, 2, () => 0.5),
    1000,
  );
});
