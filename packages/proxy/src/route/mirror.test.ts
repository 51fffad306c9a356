import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Body } from '../http/body.ts';
import { emptyResponse, type HttpHandler, type ProxyRequest } from '../http/message.ts';
import { fakeRequest } from '../inbound/testing/stubs.ts';
import { MAX_MIRRORS_IN_FLIGHT, type MirrorOutcome, mirrorLayer } from './mirror.ts';

/** A primary that answers at once, a mirror the test controls, and the outcomes counted. */
function mirrored(options: { percentage: number; mirrorHangs?: boolean }) {
  const primary: ProxyRequest[] = [];
  const copies: { service: string; request: ProxyRequest; body?: string }[] = [];
  const outcomes: Partial<Record<MirrorOutcome, number>> = {};
  let n = 0;
  const handle = mirrorLayer(
    {
      service: 'identity-shadow',
      percentage: options.percentage,
      otherService: (service) => async (request) => {
        const body = request.body ? (await request.body.toBuffer()).toString() : undefined;
        copies.push({ service, request, ...(body !== undefined && { body }) });
        if (options.mirrorHangs) return new Promise(() => {});
        return emptyResponse(500);
      },
      onOutcome: (outcome) => {
        outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
      },
      // Evenly spread draws: exact shares.
      random: () => (n++ % 100) / 100,
    },
    (async (request) => {
      primary.push(request);
      if (request.body) await request.body.toBuffer();
      return emptyResponse(200);
    }) as HttpHandler,
  );
  return { handle, primary, copies, outcomes };
}

describe('mirrorLayer', () => {
  it('copies its share of 1,000 requests to the mirror, marked, and answers from the primary', async () => {
    const m = mirrored({ percentage: 10 });
    for (let i = 0; i < 1000; i++) assert.equal((await m.handle(fakeRequest())).status, 200);
    await new Promise(setImmediate);
    assert.equal(m.primary.length, 1000);
    assert.equal(m.copies.length, 100);
    assert.ok(m.copies.every((c) => c.service === 'identity-shadow'));
    assert.equal(m.copies[0]!.request.headers.get('fusion-mirrored'), 'true');
    assert.deepEqual(m.outcomes, { sent: 100 });
  });

  it('never waits for a slow mirror, and skips copies past its bound in flight', async () => {
    const m = mirrored({ percentage: 100, mirrorHangs: true });
    for (let i = 0; i < MAX_MIRRORS_IN_FLIGHT + 50; i++) {
      assert.equal((await m.handle(fakeRequest())).status, 200);
    }
    assert.deepEqual(m.outcomes, { sent: MAX_MIRRORS_IN_FLIGHT, too_many_in_flight: 50 });
  });

  it('copies a body that arrived whole, and leaves one still streaming alone', async () => {
    const m = mirrored({ percentage: 100 });
    await m.handle({ ...fakeRequest(), method: 'POST', body: Body.of(Buffer.from('{"a":1}')) });
    await new Promise(setImmediate);
    assert.equal(m.copies[0]!.body, '{"a":1}');
    const streaming = new Body();
    streaming.push(Buffer.from('part'));
    const answered = m.handle({ ...fakeRequest(), method: 'POST', body: streaming });
    streaming.end();
    assert.equal((await answered).status, 200);
    assert.equal(m.copies.length, 1);
    assert.equal(m.outcomes.body_streaming, 1);
  });
});
