import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { FailureAccrual } from '@fusion/mesh-types';
import { ProxyError } from '../errors/proxy-error.ts';
import { HeaderList } from '../http/headers.ts';
import { emptyResponse, type ProxyRequest, type ProxyResponse } from '../http/message.ts';
import type { EndpointStatus, EndpointTarget } from './balancer.ts';
import { failureAccrual, jitteredPenaltyMs } from './failure-accrual.ts';

const POLICY: FailureAccrual = {
  kind: 'consecutive',
  maxFailures: 3,
  minPenaltyMs: 1_000,
  maxPenaltyMs: 4_500,
  jitterRatio: 0.5,
};
const TARGET: EndpointTarget = { service: 'identity', address: '10.0.0.1:8080', identity: 'e1' };
const request = {} as ProxyRequest;
const GRPC_HEAD = HeaderList.from({ 'content-type': 'application/grpc' });

/**
 * One endpoint behind the layer, on a fake clock with random() fixed at 0.5. The inner stub
 * answers with whatever `answer` gives; `events` records ejections and restores.
 */
function accruing(initialPolicy: FailureAccrual | undefined) {
  const h = {
    now: 0,
    policy: initialPolicy,
    policyLookups: 0,
    innerStatus: 'ready' as EndpointStatus,
    innerClosed: 0,
    events: [] as string[],
    answer: (): Promise<ProxyResponse> => Promise.resolve(emptyResponse(200)),
  };
  const layer = failureAccrual({
    policyFor: (service) => {
      assert.equal(service, 'identity');
      h.policyLookups += 1;
      return h.policy;
    },
    now: () => h.now,
    random: () => 0.5,
    onEject: (target, penaltyMs) => h.events.push(`eject ${target.address} ${penaltyMs}`),
    onRestore: (target) => h.events.push(`restore ${target.address}`),
  });
  const endpoint = layer(() => ({
    handle: () => h.answer(),
    status: () => h.innerStatus,
    close: () => {
      h.innerClosed += 1;
    },
  }))(TARGET);
  /** Sends one request answered with `status`; resolves once it has been counted. */
  const send = (status: number, headers?: HeaderList) => {
    h.answer = () => Promise.resolve(emptyResponse(status, headers));
    return endpoint.handle(request);
  };
  /** Sends `n` requests answered with `status`, one after the other. */
  const sendEach = async (n: number, status: number) => {
    for (let i = 0; i < n; i++) await send(status);
  };
  /** Sends one request and holds its answer until `reply` is called. */
  const hold = () => {
    let reply!: (status: number) => void;
    h.answer = () => new Promise((resolve) => (reply = (s) => resolve(emptyResponse(s))));
    const response = endpoint.handle(request);
    return (status: number) => {
      reply(status);
      return response;
    };
  };
  return Object.assign(h, { endpoint, send, sendEach, hold });
}

/** Ejects the endpoint with three 503s; the first wait is 1000 + 1000·0.5·0.5 = 1250 ms. */
async function ejected() {
  const h = accruing(POLICY);
  await h.sendEach(3, 503);
  assert.deepEqual(h.events, ['eject 10.0.0.1:8080 1250']);
  return h;
}

describe('failureAccrual', () => {
  it('ejects after exactly maxFailures consecutive 5xx, and a success in between resets the run', async () => {
    const h = accruing(POLICY);
    await h.sendEach(2, 503);
    await h.send(200);
    await h.sendEach(2, 500);
    assert.equal(h.endpoint.status(), 'ready');
    assert.deepEqual(h.events, []);
    await h.send(502);
    assert.equal(h.endpoint.status(), 'failed');
    assert.deepEqual(h.events, ['eject 10.0.0.1:8080 1250']);
  });

  it('counts rejected requests as failures, and 4xx as successes', async () => {
    const h = accruing(POLICY);
    await h.sendEach(2, 503);
    await h.sendEach(5, 404);
    await h.send(503);
    assert.equal(h.endpoint.status(), 'ready');
    h.answer = () => Promise.reject(new ProxyError('CONNECT_REFUSED', 'refused'));
    for (let i = 0; i < 3; i++) {
      await assert.rejects(h.endpoint.handle(request), { code: 'CONNECT_REFUSED' });
    }
    assert.equal(h.endpoint.status(), 'failed');
    assert.deepEqual(h.events, ['eject 10.0.0.1:8080 1250']);
  });

  it('stays failed for the jittered penalty, then lets one probe through at a time', async () => {
    const h = await ejected();
    h.now = 1_249;
    assert.equal(h.endpoint.status(), 'failed');
    h.now = 1_250;
    assert.equal(h.endpoint.status(), 'ready');
    // While probing, the inner status shows through: still connecting stays 'pending'.
    h.innerStatus = 'pending';
    assert.equal(h.endpoint.status(), 'pending');
    h.innerStatus = 'ready';
    const replyToProbe = h.hold();
    assert.equal(h.endpoint.status(), 'failed');
    h.now = 100_000;
    assert.equal(h.endpoint.status(), 'failed', 'hidden while the probe is in flight');
    await replyToProbe(200);
    assert.equal(h.endpoint.status(), 'ready');
    assert.deepEqual(h.events, ['eject 10.0.0.1:8080 1250', 'restore 10.0.0.1:8080']);
  });

  it('doubles the penalty on each failed probe up to maxPenalty, jitter included', async () => {
    const h = await ejected();
    // Bases 1000, 2000, 4000, 4500, 4500; the jitter (base·0.5·0.5) is cut where it would pass 4500.
    const waits = [1_250, 2_500, 4_500, 4_500, 4_500];
    for (const waitMs of waits) {
      const ejectedAt = h.now;
      h.now = ejectedAt + waitMs - 1;
      assert.equal(h.endpoint.status(), 'failed');
      h.now = ejectedAt + waitMs;
      assert.equal(h.endpoint.status(), 'ready');
      await h.send(503);
    }
    assert.deepEqual(
      h.events,
      [...waits, 4_500].map((ms) => `eject 10.0.0.1:8080 ${ms}`),
    );
  });

  it('restores on a successful probe: the run and the penalty start over', async () => {
    const h = await ejected();
    h.now = 1_250;
    await h.send(503);
    h.now += 2_500;
    await h.send(200);
    assert.equal(h.endpoint.status(), 'ready');
    await h.sendEach(2, 503);
    assert.equal(h.endpoint.status(), 'ready', 'the run restarted at zero');
    await h.send(503);
    assert.deepEqual(h.events, [
      'eject 10.0.0.1:8080 1250',
      'eject 10.0.0.1:8080 2500',
      'restore 10.0.0.1:8080',
      'eject 10.0.0.1:8080 1250',
    ]);
  });

  it('counts a gRPC call once, by its trailers, without holding back the response', async () => {
    const h = accruing(POLICY);
    const call = async (grpcStatus: number) => {
      let endStream!: () => void;
      const trailers = new Promise<HeaderList | undefined>((resolve) => {
        endStream = () => resolve(HeaderList.from({ 'grpc-status': String(grpcStatus) }));
      });
      h.answer = () => Promise.resolve({ ...emptyResponse(200, GRPC_HEAD), trailers });
      // Answered while its trailers are still to come.
      const response = await h.endpoint.handle(request);
      assert.equal(response.status, 200);
      endStream();
      await response.trailers;
    };
    for (const grpcStatus of [14, 14, 0, 14, 14]) await call(grpcStatus);
    assert.equal(h.endpoint.status(), 'ready', 'the OK broke the run');
    await call(14);
    assert.equal(h.endpoint.status(), 'failed');
  });

  it('counts a gRPC stream that breaks before its trailers, and a trailers-only error at once', async () => {
    const h = accruing(POLICY);
    const broken = Promise.reject(new ProxyError('RESET', 'reset'));
    broken.catch(() => {});
    h.answer = () => Promise.resolve({ ...emptyResponse(200, GRPC_HEAD), trailers: broken });
    for (let i = 0; i < 2; i++) await (await h.endpoint.handle(request)).trailers.catch(() => {});
    await h.send(200, HeaderList.from({ 'content-type': 'application/grpc', 'grpc-status': '14' }));
    assert.equal(h.endpoint.status(), 'failed');
  });

  it('never ejects without a policy, and looks it up once per response', async () => {
    const h = accruing(undefined);
    await h.sendEach(10, 503);
    assert.equal(h.endpoint.status(), 'ready');
    assert.equal(h.policyLookups, 10);
    assert.deepEqual(h.events, []);
  });

  it('applies a policy pushed later from the next response on, and lifts one removed', async () => {
    const h = accruing(undefined);
    await h.sendEach(5, 503);
    h.policy = POLICY;
    await h.sendEach(2, 503);
    assert.equal(h.endpoint.status(), 'ready', 'failures before the policy do not count');
    await h.send(503);
    assert.equal(h.endpoint.status(), 'failed');
    h.policy = { ...POLICY, maxPenaltyMs: 60_000 };
    h.now = 1_250;
    await h.send(503);
    h.policy = undefined;
    h.now += 2_500;
    await h.send(503);
    assert.equal(h.endpoint.status(), 'ready');
    assert.deepEqual(h.events, [
      'eject 10.0.0.1:8080 1250',
      'eject 10.0.0.1:8080 2500',
      'restore 10.0.0.1:8080',
    ]);
  });

  it('lets requests in flight at the ejection finish without deciding it', async () => {
    const h = accruing(POLICY);
    const replies = [h.hold(), h.hold(), h.hold(), h.hold(), h.hold()];
    for (const reply of replies.slice(0, 3)) await reply(503);
    assert.equal(h.endpoint.status(), 'failed');
    assert.equal((await replies[3]!(200)).status, 200, 'a straggler is answered');
    assert.equal(h.endpoint.status(), 'failed', 'only a probe restores');
    await replies[4]!(503);
    assert.deepEqual(h.events, ['eject 10.0.0.1:8080 1250'], 'nor lengthens the penalty');
    h.now = 1_250;
    assert.equal(h.endpoint.status(), 'ready');
  });

  it('passes close through', () => {
    const h = accruing(POLICY);
    h.endpoint.close();
    assert.equal(h.innerClosed, 1);
  });
});

describe('jitteredPenaltyMs', () => {
  it('adds up to jitterRatio times the penalty (a ratio, not a percent), never past the max', () => {
    const policy = { ...POLICY, maxPenaltyMs: 60_000 };
    assert.equal(
      jitteredPenaltyMs(1_000, policy, () => 0),
      1_000,
    );
    assert.equal(
      jitteredPenaltyMs(1_000, policy, () => 0.99),
      1_495,
    );
    assert.equal(
      jitteredPenaltyMs(1_000, { ...policy, jitterRatio: 2 }, () => 0.5),
      2_000,
    );
    assert.equal(
      jitteredPenaltyMs(1_000, { ...policy, jitterRatio: 0 }, () => 0.99),
      1_000,
    );
    assert.equal(
      jitteredPenaltyMs(50_000, policy, () => 0.99),
      60_000,
    );
    assert.equal(
      jitteredPenaltyMs(60_000, policy, () => 0.99),
      60_000,
    );
  });
});
