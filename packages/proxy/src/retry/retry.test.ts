import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RetryPolicy } from '@fusion/mesh-types';
import { CircuitBreaker } from '../breaker/breaker.ts';
import { ProxyError } from '../errors/proxy-error.ts';
import { Body } from '../http/body.ts';
import { HeaderList } from '../http/headers.ts';
import { emptyResponse, type ProxyRequest, type ProxyResponse } from '../http/message.ts';
import { fakeRequest, latch } from '../inbound/testing/stubs.ts';
import { RetryBudget } from './budget.ts';
import { type RetryOptions, retryLayer } from './retry.ts';

type Answer = (request: ProxyRequest) => Promise<ProxyResponse>;

const status =
  (code: number): Answer =>
  () =>
    Promise.resolve(emptyResponse(code));
const refused: Answer = () => Promise.reject(new ProxyError('CONNECT_REFUSED', 'nobody listens'));
/** Reads the whole body into `into`, then answers `code`. */
const reads =
  (into: Buffer[], code: number): Answer =>
  async (request) => {
    into.push(await (request.body as Body).toBuffer());
    return emptyResponse(code);
  };
/** Never answers: fails only when the layer above gives up on it, as a real sender. */
const hangs: Answer = (request) =>
  new Promise((_, reject) => {
    request.cancel?.onCancel(reject);
  });

/**
 * The retry layer over a stub that answers try n with `answers[n]` (the last one repeating),
 * backoff at its minimum, and the layer's events counted.
 */
function retrying(
  policy: Partial<RetryPolicy>,
  answers: Answer[],
  more: Partial<RetryOptions> = {},
) {
  const tries: ProxyRequest[] = [];
  const counts = { retried: 0, succeeded: 0, limitExceeded: 0, overflowed: 0 };
  const handle = retryLayer({
    policy: {
      limit: 2,
      retryOn: [{ min: 503, max: 503 }],
      retryOnGrpc: [],
      nonIdempotent: false,
      ...policy,
    },
    budget: new RetryBudget({ retryRatio: 0.2, minRetriesPerSecond: 10, ttlMs: 10_000 }),
    describe: 'route r to identity',
    random: () => 0,
    events: {
      retried: () => counts.retried++,
      succeeded: () => counts.succeeded++,
      limitExceeded: () => counts.limitExceeded++,
      overflowed: () => counts.overflowed++,
    },
    ...more,
  })((request) => {
    tries.push(request);
    return (answers[Math.min(tries.length, answers.length) - 1] as Answer)(request);
  });
  return { handle, tries, counts };
}

function request(method: string, body: Buffer | null = null): ProxyRequest {
  return { ...fakeRequest(), method, body: body && Body.of(body) };
}

describe('retryLayer', () => {
  it('retries a 503 for a GET up to `limit` times and returns the last response', async () => {
    const r = retrying({ limit: 2 }, [status(503)]);
    const response = await r.handle(request('GET'));
    assert.equal(r.tries.length, 3);
    assert.equal(response.status, 503);
    assert.equal(response.headers.get('fusion-tries'), '3');
    assert.deepEqual(r.counts, { retried: 2, succeeded: 0, limitExceeded: 1, overflowed: 0 });
  });

  it('stops at the first success, and says nothing when one try sufficed', async () => {
    const r = retrying({ limit: 3 }, [status(503), status(200)]);
    const response = await r.handle(request('GET'));
    assert.equal(response.headers.get('fusion-tries'), '2');
    assert.deepEqual(r.counts, { retried: 1, succeeded: 1, limitExceeded: 0, overflowed: 0 });
    const once = retrying({ limit: 3 }, [status(200)]);
    assert.equal((await once.handle(request('GET'))).headers.get('fusion-tries'), undefined);
  });

  it('retries a POST on a 503 only when nonIdempotent is set', async () => {
    const strict = retrying({}, [status(503), status(200)]);
    assert.equal((await strict.handle(request('POST'))).status, 503);
    assert.equal(strict.tries.length, 1);
    const lenient = retrying({ nonIdempotent: true }, [status(503), status(200)]);
    assert.equal((await lenient.handle(request('POST'))).status, 200);
    assert.equal(lenient.tries.length, 2);
  });

  it('retries a POST refused before it was sent, with its whole body', async () => {
    const bodies: Buffer[] = [];
    const r = retrying({}, [refused, reads(bodies, 201)]);
    const sent = Buffer.alloc(10 * 1024, 'body-');
    const response = await r.handle(request('POST', sent));
    assert.equal(response.status, 201);
    assert.equal(r.tries.length, 2);
    assert.equal(bodies.length, 1);
    assert.ok(bodies[0]?.equals(sent));
  });

  it('sends a body too large to replay once, and does not retry it', async () => {
    const bodies: Buffer[] = [];
    const r = retrying({}, [reads(bodies, 503), status(200)]);
    const response = await r.handle(request('PUT', Buffer.alloc(1024 * 1024, 'big-')));
    assert.equal(response.status, 503);
    assert.equal(r.tries.length, 1);
    assert.equal(bodies[0]?.length, 1024 * 1024);
  });

  it('stops retrying when the budget is spent', async () => {
    // One retry in the whole window, and no ratio of traffic: the first request spends it.
    const budget = new RetryBudget({
      retryRatio: 0,
      minRetriesPerSecond: 0.1,
      ttlMs: 10_000,
      now: () => 0,
    });
    const r = retrying({ limit: 3 }, [status(503)], { budget });
    assert.equal((await r.handle(request('GET'))).headers.get('fusion-tries'), '2');
    const second = await r.handle(request('GET'));
    assert.equal(second.status, 503);
    assert.equal(second.headers.get('fusion-tries'), undefined);
    assert.equal(r.tries.length, 3);
    assert.deepEqual(r.counts, { retried: 1, succeeded: 0, limitExceeded: 0, overflowed: 2 });
  });

  it('gives up on a slow try after perTryTimeoutMs and sends the next', async () => {
    const r = retrying({ perTryTimeoutMs: 30 }, [hangs, status(200)]);
    const response = await r.handle(request('GET'));
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('fusion-tries'), '2');
    const first = r.tries[0] as ProxyRequest;
    assert.equal(first.cancel?.cancelled, true);
    assert.equal(first.cancel?.reason?.code, 'RESPONSE_TIMEOUT');
    assert.equal(first.headers.get('fusion-timeout-ms'), '30', 'the try is told its budget');
    assert.equal(r.counts.succeeded, 1);
  });

  it('sends no retry past the circuit breaker maxRetries', async () => {
    const opened: string[] = [];
    const breaker = new CircuitBreaker({
      service: 'identity',
      policy: { maxRetries: 1 },
      onOpen: (limit) => opened.push(limit),
    });
    const reached = latch();
    const release = latch();
    const heldRetry: Answer = async () => {
      reached.open();
      await release.opened;
      return emptyResponse(200);
    };
    const first = retrying({}, [status(503), heldRetry], { breaker });
    const answered = first.handle(request('GET'));
    await reached.opened; // its retry is in flight
    const second = retrying({}, [status(503), status(200)], { breaker });
    const refusedRetry = await second.handle(request('GET'));
    assert.equal(refusedRetry.status, 503, 'the caller gets the answer it already had');
    assert.equal(second.tries.length, 1);
    assert.equal(second.counts.overflowed, 1);
    assert.deepEqual(opened, ['maxRetries']);
    release.open();
    assert.equal((await answered).status, 200);
    assert.equal(breaker.figures.retries, 0);
  });

  describe('on gRPC statuses', () => {
    const GRPC = ['content-type', 'application/grpc'];
    /** A failed call as gRPC servers answer it: HTTP 200, the status among the headers. */
    const trailersOnly =
      (code: number): Answer =>
      () =>
        Promise.resolve(emptyResponse(200, new HeaderList([...GRPC, 'grpc-status', String(code)])));
    /** A message, then the status in the trailers; `end: false` leaves the stream open. */
    const inTrailers =
      (code: number, options: { end?: boolean; sent?: Body[] } = {}): Answer =>
      () => {
        const body = new Body();
        body.push(Buffer.from('message'));
        options.sent?.push(body);
        if (options.end === false) {
          return Promise.resolve({
            status: 200,
            headers: new HeaderList(GRPC),
            body,
            trailers: new Promise<HeaderList | undefined>(() => {}),
          });
        }
        body.end();
        const trailers = new HeaderList(['grpc-status', String(code)]);
        return Promise.resolve({
          status: 200,
          headers: new HeaderList(GRPC),
          body,
          trailers: Promise.resolve(trailers),
        });
      };
    const grpcCall = () => ({
      ...request('POST', Buffer.from('call')),
      headers: new HeaderList(GRPC),
    });

    it('retries a listed status in a trailers-only answer, for a POST, and no other status', async () => {
      const r = retrying({ retryOnGrpc: [14] }, [trailersOnly(14), trailersOnly(0)]);
      const response = await r.handle(grpcCall());
      assert.equal(response.headers.get('grpc-status'), '0');
      assert.equal(r.tries.length, 2);
      const other = retrying({ retryOnGrpc: [14] }, [trailersOnly(13), trailersOnly(0)]);
      assert.equal((await other.handle(grpcCall())).headers.get('grpc-status'), '13');
      assert.equal(other.tries.length, 1);
      const unlisted = retrying({}, [trailersOnly(14), trailersOnly(0)]);
      assert.equal((await unlisted.handle(grpcCall())).headers.get('grpc-status'), '14');
      assert.equal(unlisted.tries.length, 1);
    });

    it('reads the status in the trailers of a short answer, and hands the last one on whole', async () => {
      const r = retrying({ retryOnGrpc: [8, 14] }, [inTrailers(8), inTrailers(14), inTrailers(0)]);
      const response = await r.handle(grpcCall());
      assert.equal(r.tries.length, 3);
      assert.equal((await (response.body as Body).toBuffer()).toString(), 'message');
      assert.equal((await response.trailers)?.get('grpc-status'), '0');
      assert.equal(response.headers.get('fusion-tries'), '3');
    });

    it('passes a response still streaming on unread, never retried', async () => {
      const sent: Body[] = [];
      const r = retrying({ retryOnGrpc: [14] }, [inTrailers(14, { end: false, sent })]);
      const response = await r.handle(grpcCall());
      assert.equal(r.tries.length, 1);
      assert.equal(response.body, sent[0]);
      assert.equal(sent[0]!.taken, false, 'the body is left for the caller to read');
      sent[0]!.push(Buffer.from(' and more'));
      sent[0]!.end();
      assert.equal((await (response.body as Body).toBuffer()).toString(), 'message and more');
    });
  });
});
