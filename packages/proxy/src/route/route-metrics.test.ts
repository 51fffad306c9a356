import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import type { OutboundPolicy } from '@fusion/mesh-types';
import { Registry } from '@fusion/telemetry';
import type { NewBalancer } from '../balance/index.ts';
import { ProxyError } from '../errors/proxy-error.ts';
import { emptyResponse, type HttpHandler } from '../http/message.ts';
import { fakeRequest, sample } from '../inbound/testing/stubs.ts';
import { resilienceMetrics } from './metrics.ts';
import { routeStage } from './routes.ts';

/** Identity's policy: `admin` (header-matched, 1 s timeout, one retry on 503), then `default`. */
const POLICY: OutboundPolicy = {
  service: 'identity',
  routes: [
    {
      name: 'admin',
      match: { headers: [{ name: 'x-tenant', value: 'admin' }] },
      timeoutMs: 1_000,
      retries: {
        limit: 1,
        retryOn: [{ min: 503, max: 503 }],
        retryOnGrpc: [],
        nonIdempotent: false,
      },
      backends: [],
    },
    { name: 'default', match: { headers: [] }, backends: [] },
  ],
};

/**
 * A stub service answering each request as its `x-answer` asks: a status, `503-once` (503 to
 * the first try, 200 to the next), or `hang` (no answer; fails only when the request is
 * cancelled above, as a real sender does).
 */
function stubService(): { handler: HttpHandler; tries: () => number } {
  let tries = 0;
  let failedOnce = false;
  const handler: HttpHandler = (request) => {
    tries += 1;
    const answer = request.headers.get('x-answer') ?? '200';
    if (answer === 'hang') {
      return new Promise((_, reject) => request.cancel?.onCancel(reject));
    }
    if (answer === '503-once') {
      const status = failedOnce ? 200 : 503;
      failedOnce = true;
      return Promise.resolve(emptyResponse(status));
    }
    return Promise.resolve(emptyResponse(Number(answer)));
  };
  return { handler, tries: () => tries };
}

/** The route stage over the stub, for `service`, with its metrics on a registry of its own. */
function routed(policy: OutboundPolicy | undefined, service = 'identity') {
  const registry = new Registry();
  const stage = routeStage({
    policies: { towards: () => policy, watch: () => () => {} },
    metrics: resilienceMetrics(registry),
    random: () => 0, // retry backoff at its minimum, 25 ms
  });
  const stub = stubService();
  const newBalancer: NewBalancer = () => ({
    handle: stub.handler,
    update: () => {},
    snapshot: () => [],
    close: () => {},
  });
  const { handle } = stage.layer(newBalancer)({ service, endpoints: [] });
  return { registry, handle, stub };
}

const send = (handle: HttpHandler, headers: Record<string, string>) =>
  handle(fakeRequest(headers, { startedAt: process.hrtime.bigint() }));

/** Lets settled trailers reach their callbacks (response_total is counted there). */
const settle = () => new Promise((resolve) => setImmediate(resolve));

const route = (name: string) => `direction="outbound",dst="identity",rt_route="${name}"`;

function withTimers(t: TestContext) {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  return t.mock.timers;
}

describe('route metrics', () => {
  it('counts requests and classified responses per route, with their latency', async () => {
    const { registry, handle } = routed(POLICY);
    await send(handle, {});
    await send(handle, {});
    await send(handle, { 'x-answer': '500' });
    await send(handle, { 'x-tenant': 'admin' });
    await settle();
    const n = (series: string) => sample(registry, series);

    assert.equal(n(`route_request_total{${route('default')}}`), 3);
    assert.equal(n(`route_request_total{${route('admin')}}`), 1);
    assert.equal(
      n(`route_response_total{${route('default')},status_code="200",classification="success"}`),
      2,
    );
    assert.equal(
      n(`route_response_total{${route('default')},status_code="500",classification="failure"}`),
      1,
    );
    assert.equal(
      n(`route_response_total{${route('admin')},status_code="200",classification="success"}`),
      1,
    );
    assert.equal(n(`route_response_latency_ms_count{${route('default')},status_code="200"}`), 2);
    assert.equal(n(`route_response_latency_ms_count{${route('default')},status_code="500"}`), 1);
    assert.equal(n(`route_response_latency_ms_count{${route('admin')},status_code="200"}`), 1);
    assert.equal(n(`route_actual_request_total{${route('default')}}`), 3, 'one try each');
    assert.equal(n(`route_actual_request_total{${route('admin')}}`), 1);
  });

  it('counts a retried request once, and each of its tries as an actual request', async (t) => {
    const timers = withTimers(t);
    const { registry, handle, stub } = routed(POLICY);
    const answer = send(handle, { 'x-tenant': 'admin', 'x-answer': '503-once' });
    await settle(); // the first try has failed; the retry waits out its backoff
    timers.tick(25);
    assert.equal((await answer).status, 200);
    await settle();
    const n = (series: string) => sample(registry, series);

    assert.equal(stub.tries(), 2);
    assert.equal(n(`route_request_total{${route('admin')}}`), 1);
    assert.equal(n(`route_actual_request_total{${route('admin')}}`), 2);
    assert.equal(
      n(`route_response_total{${route('admin')},status_code="200",classification="success"}`),
      1,
    );
    assert.equal(
      n(`route_response_total{${route('admin')},status_code="503",classification="failure"}`),
      undefined,
      "the failed try's response is not the route's",
    );
    assert.equal(n(`route_response_latency_ms_count{${route('admin')},status_code="200"}`), 1);
    assert.equal(
      n(`outbound_http_route_retry_requests_total{parent_name="identity",route_name="admin"}`),
      1,
    );
  });

  it("counts the route's timeout as a failure with the proxy's error code", async (t) => {
    const timers = withTimers(t);
    const { registry, handle } = routed(POLICY);
    const answer = send(handle, { 'x-tenant': 'admin', 'x-answer': 'hang' });
    timers.tick(1_000);
    await assert.rejects(answer, (e) => e instanceof ProxyError && e.code === 'REQUEST_TIMEOUT');
    const n = (series: string) => sample(registry, series);

    assert.equal(n(`route_request_total{${route('admin')}}`), 1);
    assert.equal(
      n(`route_response_total{${route('admin')},classification="failure",error="REQUEST_TIMEOUT"}`),
      1,
    );
    assert.equal(n(`route_actual_request_total{${route('admin')}}`), 1, 'cancelled, not retried');
    assert.doesNotMatch(registry.expose(), /route_response_latency_ms_count\{/, 'no response head');
  });

  it('keeps no series for a service without a policy', async () => {
    const { registry, handle, stub } = routed(undefined, 'ai-kernel');
    await send(handle, {});
    assert.equal(stub.tries(), 1);
    assert.doesNotMatch(registry.expose(), /^route_\w+\{/m);
  });
});
