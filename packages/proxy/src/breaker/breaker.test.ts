import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CircuitBreakerPolicy } from '@fusion/mesh-types';
import { ProxyError } from '../errors/proxy-error.ts';
import { Cancel } from '../http/cancel.ts';
import { emptyResponse, type ProxyRequest, type ProxyResponse } from '../http/message.ts';
import { fakeRequest } from '../inbound/testing/stubs.ts';
import { type BreakerLimit, CircuitBreaker } from './breaker.ts';

interface Held {
  readonly request: ProxyRequest;
  /** Sends the response head. */
  answer(): void;
  /** Ends its body: the trailers settle. */
  end(): void;
}

/** A breaker over a stub that holds each request until the test answers and ends it. */
function breakerOver(policy: CircuitBreakerPolicy) {
  const held: Held[] = [];
  const opened: BreakerLimit[] = [];
  let arrival = () => {};
  const breaker = new CircuitBreaker({
    service: 'identity',
    policy,
    onOpen: (limit) => opened.push(limit),
  });
  const handle = breaker.layer()(
    (request) =>
      new Promise<ProxyResponse>((resolve) => {
        let end = () => {};
        const trailers = new Promise<undefined>((settle) => {
          end = () => settle(undefined);
        });
        held.push({ request, answer: () => resolve({ ...emptyResponse(200), trailers }), end });
        arrival();
      }),
  );
  /** Resolves once `count` requests have reached the stub. */
  const reached = (count: number) =>
    new Promise<void>((resolve) => {
      arrival = () => held.length >= count && resolve();
      arrival();
    });
  return { breaker, handle, held, opened, reached };
}

/** Answers and ends a held request, resolving once its slot is free. */
async function finish(held: Held, response: Promise<ProxyResponse>): Promise<void> {
  held.answer();
  held.end();
  await (await response).trailers;
}

const circuitOpen = { name: 'ProxyError', code: 'CIRCUIT_OPEN', status: 503 };

describe('CircuitBreaker', () => {
  it('lets maxRequests through and refuses the rest at once', async () => {
    const b = breakerOver({ maxRequests: 10 });
    const responses = Array.from({ length: 50 }, () => b.handle(fakeRequest()));
    const refused = await Promise.allSettled(responses.slice(10));
    assert.equal(b.held.length, 10);
    for (const result of refused) {
      assert.equal(result.status, 'rejected');
      assert.ok(result.reason instanceof ProxyError);
      assert.equal(result.reason.code, 'CIRCUIT_OPEN');
    }
    assert.equal(b.opened.length, 40);
    assert.ok(b.opened.every((limit) => limit === 'maxRequests'));
    await Promise.all(
      b.held.map((held, i) => finish(held, responses[i] as Promise<ProxyResponse>)),
    );
    assert.equal(b.breaker.figures.inFlight, 0);
  });

  it('frees a slot when the response body ends, not when its head arrives', async () => {
    const b = breakerOver({ maxRequests: 1 });
    const first = b.handle(fakeRequest());
    b.held[0]?.answer();
    const response = await first;
    await assert.rejects(b.handle(fakeRequest()), circuitOpen);
    b.held[0]?.end();
    await response.trailers;
    const second = b.handle(fakeRequest());
    assert.equal(b.held.length, 2);
    await finish(b.held[1] as Held, second);
  });

  it('frees a slot when the request fails', async () => {
    const breaker = new CircuitBreaker({ service: 'identity', policy: { maxRequests: 1 } });
    const failing = breaker.layer()(() => Promise.reject(new ProxyError('RESET', 'reset')));
    await assert.rejects(failing(fakeRequest()), { code: 'RESET' });
    await assert.rejects(failing(fakeRequest()), { code: 'RESET' });
    assert.equal(breaker.figures.inFlight, 0);
  });

  it('queues past maxConnections, up to maxPendingRequests, then refuses', async () => {
    const b = breakerOver({ maxConnections: 2, maxPendingRequests: 1 });
    const sent = [b.handle(fakeRequest()), b.handle(fakeRequest())];
    const queued = b.handle(fakeRequest());
    await assert.rejects(b.handle(fakeRequest()), circuitOpen);
    assert.deepEqual(b.opened, ['maxPendingRequests']);
    assert.equal(b.held.length, 2);
    assert.deepEqual(b.breaker.figures, { inFlight: 3, sending: 2, waiting: 1, retries: 0 });
    await finish(b.held[0] as Held, sent[0] as Promise<ProxyResponse>);
    await b.reached(3);
    await finish(b.held[2] as Held, queued);
    await finish(b.held[1] as Held, sent[1] as Promise<ProxyResponse>);
    assert.deepEqual(b.breaker.figures, { inFlight: 0, sending: 0, waiting: 0, retries: 0 });
  });

  it('refuses past maxConnections when no request may wait', async () => {
    const b = breakerOver({ maxConnections: 1, maxPendingRequests: 0 });
    const sent = b.handle(fakeRequest());
    await assert.rejects(b.handle(fakeRequest()), circuitOpen);
    assert.deepEqual(b.opened, ['maxConnections']);
    await finish(b.held[0] as Held, sent);
  });

  it('takes a queued request out of the queue when it is cancelled', async () => {
    const b = breakerOver({ maxConnections: 1 });
    const sent = b.handle(fakeRequest());
    const caller = new Cancel();
    const abandoned = b.handle({ ...fakeRequest(), cancel: caller });
    const next = fakeRequest({ 'x-name': 'next' });
    const waiting = b.handle(next);
    assert.equal(b.breaker.figures.waiting, 2);
    const gone = new ProxyError('REQUEST_TIMEOUT', 'the deadline ran out');
    caller.cancel(gone);
    await assert.rejects(abandoned, gone);
    assert.equal(b.breaker.figures.waiting, 1);
    await finish(b.held[0] as Held, sent);
    await b.reached(2);
    assert.equal(b.held[1]?.request, next);
    await finish(b.held[1] as Held, waiting);
    assert.equal(b.breaker.figures.inFlight, 0);
  });

  it('never sends more than maxConnections, even to a request arriving as a slot frees', async () => {
    const b = breakerOver({ maxConnections: 1 });
    const sent = b.handle(fakeRequest());
    const queued = b.handle(fakeRequest());
    b.held[0]?.answer();
    const response = await sent;
    let late: Promise<ProxyResponse> | undefined;
    // Registered after the breaker's own callback: runs just after the slot is freed.
    void response.trailers.then(() => {
      late = b.handle(fakeRequest());
    });
    b.held[0]?.end();
    await b.reached(2);
    assert.equal(b.breaker.figures.sending, 1);
    assert.equal(b.held.length, 2, 'the request that waited is sent, the late one waits');
    await finish(b.held[1] as Held, queued);
    await b.reached(3);
    await finish(b.held[2] as Held, late as Promise<ProxyResponse>);
  });

  it('counts retries in flight against maxRetries', () => {
    const b = breakerOver({ maxRetries: 2 });
    const first = b.breaker.startRetry();
    const second = b.breaker.startRetry();
    assert.ok(first && second);
    assert.equal(b.breaker.startRetry(), undefined);
    assert.deepEqual(b.opened, ['maxRetries']);
    first();
    assert.ok(b.breaker.startRetry(), 'a finished retry frees its place');
    assert.equal(b.breaker.figures.retries, 2);
  });

  it('limits nothing, and costs nothing, when no request limit is set', () => {
    const breaker = new CircuitBreaker({ service: 'identity', policy: { maxRetries: 1 } });
    const inner = () => Promise.resolve(emptyResponse(200));
    assert.equal(breaker.layer()(inner), inner);
    const unlimited = new CircuitBreaker({ service: 'identity', policy: {} });
    for (let i = 0; i < 100; i++) assert.ok(unlimited.startRetry());
  });
});
