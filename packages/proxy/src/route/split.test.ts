import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { emptyResponse, type HttpHandler } from '../http/message.ts';
import { fakeRequest } from '../inbound/testing/stubs.ts';
import { splitBackends } from './split.ts';

/** Handlers that count the requests each service got. */
function counting() {
  const counts: Record<string, number> = {};
  const to =
    (service: string): HttpHandler =>
    async () => {
      counts[service] = (counts[service] ?? 0) + 1;
      return emptyResponse(200);
    };
  return { counts, own: to('ai-kernel'), other: to };
}

describe('splitBackends', () => {
  it('is the service itself when it is the one backend, or nothing else is live', () => {
    const { own, other } = counting();
    assert.equal(
      splitBackends('ai-kernel', [{ service: 'ai-kernel', weight: 1 }], own, other),
      own,
    );
    assert.equal(splitBackends('ai-kernel', [], own, other), own);
    const zero = [
      { service: 'ai-kernel', weight: 1 },
      { service: 'ai-kernel-canary', weight: 0 },
    ];
    assert.equal(splitBackends('ai-kernel', zero, own, other), own);
  });

  it('sends each backend its share of the draws', async () => {
    const { counts, own, other } = counting();
    let n = 0;
    // Draws spread evenly over [0, 1): exact shares.
    const split = splitBackends(
      'ai-kernel',
      [
        { service: 'ai-kernel', weight: 90 },
        { service: 'ai-kernel-canary', weight: 10 },
      ],
      own,
      other,
      () => (n++ % 1000) / 1000,
    );
    for (let i = 0; i < 2000; i++) await split(fakeRequest());
    assert.deepEqual(counts, { 'ai-kernel': 1800, 'ai-kernel-canary': 200 });
  });

  it('can send everything elsewhere (blue/green)', async () => {
    const { counts, own, other } = counting();
    const split = splitBackends(
      'ai-kernel',
      [{ service: 'ai-kernel-green', weight: 1 }],
      own,
      other,
    );
    for (let i = 0; i < 10; i++) await split(fakeRequest());
    assert.deepEqual(counts, { 'ai-kernel-green': 10 });
  });
});
