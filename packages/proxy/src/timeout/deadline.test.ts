import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { ProxyError } from '../errors/proxy-error.ts';
import { Body } from '../http/body.ts';
import { Cancel } from '../http/cancel.ts';
import { emptyResponse, type ProxyRequest, type ProxyResponse } from '../http/message.ts';
import { fakeRequest } from '../inbound/testing/stubs.ts';
import { deadlineLayer, withTimeout } from './deadline.ts';

/**
 * An inner handler that answers only when the test calls `answer`, and rejects with its
 * cancellation's reason when the layer above gives up, as a real sender does.
 */
function heldHandler() {
  const held = {
    received: [] as ProxyRequest[],
    answer: (_response: ProxyResponse) => {},
    handler: (request: ProxyRequest) =>
      new Promise<ProxyResponse>((resolve, reject) => {
        held.received.push(request);
        held.answer = resolve;
        request.cancel?.onCancel(reject);
      }),
  };
  return held;
}

/** What `promise` settled to once pending callbacks have run: its value, its error or 'pending'. */
async function stateOf(promise: Promise<unknown>): Promise<unknown> {
  let state: unknown = 'pending';
  promise.then(
    (value) => {
      state = value;
    },
    (error: unknown) => {
      state = error;
    },
  );
  await new Promise(setImmediate);
  return state;
}

function withTimers(t: TestContext) {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  return t.mock.timers;
}

describe('deadlineLayer', () => {
  it('passes a request on untouched when neither a timeout nor a budget applies', async () => {
    const held = heldHandler();
    const request = fakeRequest();
    const answer = deadlineLayer({ describe: 'route r' })(held.handler)(request);
    assert.equal(held.received[0], request);
    assert.equal(request.headers.get('fusion-timeout-ms'), undefined);
    held.answer(emptyResponse(200));
    assert.equal((await answer).status, 200);
  });

  it('gives up at the route timeout with 504 REQUEST_TIMEOUT, aborting the request below', async (t) => {
    const timers = withTimers(t);
    const held = heldHandler();
    const answer = deadlineLayer({ timeoutMs: 1_000, describe: 'route r' })(held.handler)(
      fakeRequest(),
    );
    const sent = held.received[0] as ProxyRequest;
    assert.equal(sent.headers.get('fusion-timeout-ms'), '1000', 'the next hop is told');
    timers.tick(999);
    assert.equal(await stateOf(answer), 'pending');
    timers.tick(1);
    const error = await stateOf(answer);
    assert.ok(error instanceof ProxyError);
    assert.equal(error.code, 'REQUEST_TIMEOUT');
    assert.equal(error.status, 504);
    assert.match(error.message, /1000 ms timeout of route r/);
    assert.equal(sent.cancel?.cancelled, true);
    assert.equal(sent.cancel?.reason, error);
  });

  it('enforces the budget the request carried when it is the smaller', async (t) => {
    const timers = withTimers(t);
    const held = heldHandler();
    const request = fakeRequest({ 'fusion-timeout-ms': '300' });
    const answer = deadlineLayer({ timeoutMs: 1_000, describe: 'route r' })(held.handler)(request);
    assert.equal(held.received[0]?.headers.get('fusion-timeout-ms'), '300');
    timers.tick(300);
    const error = (await stateOf(answer)) as ProxyError;
    assert.equal(error.code, 'REQUEST_TIMEOUT');
    assert.match(error.message, /caller's deadline \(300 ms/);
  });

  it('writes its own timeout over a larger carried budget, gRPC fields too', () => {
    const held = heldHandler();
    const request = fakeRequest({ 'grpc-timeout': '5S', 'content-type': 'application/grpc' });
    void deadlineLayer({ timeoutMs: 200, describe: 'route r' })(held.handler)(request);
    assert.equal(held.received[0]?.headers.get('fusion-timeout-ms'), '200');
    assert.equal(held.received[0]?.headers.get('grpc-timeout'), '200m');
    held.answer(emptyResponse(200));
  });

  it('refuses at once, without sending, a request whose budget had run out', async () => {
    const held = heldHandler();
    const answer = deadlineLayer({ timeoutMs: 1_000, describe: 'route r' })(held.handler)(
      fakeRequest({ 'fusion-timeout-ms': '0' }),
    );
    await assert.rejects(answer, { code: 'REQUEST_TIMEOUT', status: 504 });
    assert.equal(held.received.length, 0);
  });

  it('times the response head only: a body may stream on past the timeout', async (t) => {
    const timers = withTimers(t);
    const held = heldHandler();
    const answer = deadlineLayer({ timeoutMs: 100, describe: 'route r' })(held.handler)(
      fakeRequest(),
    );
    const body = new Body();
    held.answer({ ...emptyResponse(200), body });
    const response = await answer;
    timers.tick(10_000);
    assert.equal(held.received[0]?.cancel?.cancelled, false);
    body.push(Buffer.from('late but wanted'));
    body.end();
    assert.equal((await (response.body as Body).toBuffer()).toString(), 'late but wanted');
  });
});

describe('withTimeout', () => {
  it('passes on the cancellation the request already had', async () => {
    const held = heldHandler();
    const caller = new Cancel();
    const request = { ...fakeRequest(), cancel: caller };
    const answer = withTimeout(held.handler, request, 60_000, () => new ProxyError('RESET', 'x'));
    const gone = new ProxyError('RESET', 'the client went away');
    caller.cancel(gone);
    assert.equal(held.received[0]?.cancel?.reason, gone);
    await assert.rejects(answer, gone);
  });

  it('does not send a request that was already cancelled', async () => {
    const held = heldHandler();
    const gone = new ProxyError('RESET', 'the client went away');
    const cancelled = new Cancel();
    cancelled.cancel(gone);
    const request = { ...fakeRequest(), cancel: cancelled };
    await assert.rejects(
      withTimeout(held.handler, request, 1_000, () => gone),
      gone,
    );
    assert.equal(held.received.length, 0);
  });
});
