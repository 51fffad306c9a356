/**
 * The outbound proxy's resilience layers end to end, against fake peer proxies that fail on
 * purpose: the route stage applies the pushed policy (retries with their budget, timeouts that
 * cancel what they give up on, deadlines carried on, circuit breaker limits), and a policy
 * pushed later applies to the next request.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { OutboundPolicy } from '@fusion/mesh-types';
import { Registry } from '@fusion/telemetry';
import { captureLogger } from '../../../identity-client/src/testing/index.ts';
import { staticDiscovery } from '../discovery/index.ts';
import { type Outbound, startOutbound } from './index.ts';
import {
  type FakePeer,
  h1,
  type Mesh,
  policySource,
  type Reply,
  sample,
  startMesh,
  X,
} from './testing/index.ts';

/** The caller's policy towards identity, as the test pushes it: the default route, and `next`. */
function identityPolicies() {
  const source = policySource();
  const push = (next: Partial<OutboundPolicy> | undefined) =>
    source.push(
      'identity',
      next && {
        service: 'identity',
        routes: [{ name: 'default', match: { headers: [] }, backends: [] }],
        ...next,
      },
    );
  return { policies: source.policies, push };
}

const retries = (limit: number, extra: object = {}) => ({
  routes: [
    {
      name: 'default',
      match: { headers: [] },
      retries: {
        limit,
        retryOn: [{ min: 500, max: 599 }],
        retryOnGrpc: [],
        nonIdempotent: false,
        ...extra,
      },
      backends: [],
    },
  ],
});

let mesh: Mesh;
let peer: FakePeer;
let outbound: Outbound;
let registry: Registry;
const source = identityPolicies();

before(async () => {
  mesh = await startMesh();
  peer = await mesh.peer(X);
  registry = new Registry();
  outbound = await startOutbound({
    listen: { host: '127.0.0.1', port: 0 },
    identity: mesh.client,
    discovery: staticDiscovery({ identity: [{ address: peer.address, identity: X }] }),
    registry,
    logger: captureLogger().logger,
    policies: source.policies,
  });
});

after(async () => {
  peer.releaseHeld();
  await outbound.close();
  await mesh.close();
});

beforeEach(() => source.push(undefined));

const call = (path: string, options: Parameters<typeof h1>[1] = {}) =>
  h1(outbound.address.port, { host: 'identity', path, ...options });
const metric = (name: string, labels: Record<string, string>) => sample(registry, name, labels);
const defaultRoute = { parent_name: 'identity', route_name: 'default' };

describe('retries', () => {
  it('sends a failed GET again and answers with the last try, saying how many it took', async () => {
    source.push(retries(3));
    const before = peer.received.length;
    peer.failNext(2, 503);
    const reply = await call('/users/1');
    assert.equal(reply.status, 200);
    assert.equal(reply.headers['fusion-tries'], '3');
    assert.equal(peer.received.length - before, 3);
    assert.equal(metric('outbound_http_route_retry_requests_total', defaultRoute), 2);
    assert.equal(metric('outbound_http_route_retry_successes_total', defaultRoute), 1);
  });

  it('gives up after the limit and returns the last failure', async () => {
    source.push(retries(1));
    const before = peer.received.length;
    peer.failNext(5, 503);
    const reply = await call('/users/1');
    assert.equal(reply.status, 503);
    assert.equal(reply.headers['fusion-tries'], '2');
    assert.equal(peer.received.length - before, 2);
    await drainFailures();
  });

  it('does not retry a POST on a 5xx unless its policy says so; then the body arrives whole', async () => {
    const body = 'x'.repeat(10 * 1024);
    source.push(retries(2));
    peer.failNext(1, 503);
    let before = peer.received.length;
    assert.equal((await call('/users', { method: 'POST', body })).status, 503);
    assert.equal(peer.received.length - before, 1);

    source.push(retries(2, { nonIdempotent: true }));
    peer.failNext(1, 'reset');
    before = peer.received.length;
    const reply = await call('/users', { method: 'POST', body });
    assert.equal(reply.status, 200);
    assert.equal(JSON.parse(reply.body).body, body);
    assert.equal(peer.received.length - before, 2);
  });

  it('sends a body larger than 64 KiB once, never again', async () => {
    source.push(retries(2, { nonIdempotent: true }));
    peer.failNext(1, 503);
    const before = peer.received.length;
    const reply = await call('/users', { method: 'PUT', body: 'y'.repeat(1024 * 1024) });
    assert.equal(reply.status, 503);
    assert.equal(peer.received.length - before, 1);
    assert.equal(peer.received.at(-1)?.body.length, 1024 * 1024);
  });
});

describe('timeouts and deadlines', () => {
  it('answers 504 REQUEST_TIMEOUT when the route times out, and resets the connection', async () => {
    source.push({
      routes: [{ name: 'default', match: { headers: [] }, timeoutMs: 100, backends: [] }],
    });
    const closedBefore = peer.closedHttp1Connections;
    const reply = await call('/hold');
    assert.equal(reply.status, 504);
    assert.match(
      String(reply.headers['l5d-proxy-error']),
      /^REQUEST_TIMEOUT: no response within the 100 ms timeout of route default to identity/,
    );
    // The request was cancelled at the peer: its connection closed, nothing left waiting on it.
    await waitFor(() => peer.closedHttp1Connections > closedBefore);
    const seen = peer.received.at(-1)!;
    assert.ok(Number(seen.headers['fusion-timeout-ms']) <= 100);
  });

  it('carries a deadline the app sent on, and enforces it without a route timeout', async () => {
    const before = peer.received.length;
    const ok = await call('/users/1', { headers: { 'fusion-timeout-ms': '5000' } });
    assert.equal(ok.status, 200);
    assert.equal(peer.received.length - before, 1);
    assert.ok(Number(peer.received.at(-1)!.headers['fusion-timeout-ms']) <= 5000);

    const late = await call('/hold', { headers: { 'fusion-timeout-ms': '50' } });
    assert.equal(late.status, 504);
    assert.match(
      String(late.headers['l5d-proxy-error']),
      /the caller's deadline \(50 ms were left/,
    );

    const gone = await call('/users/1', { headers: { 'fusion-timeout-ms': '0' } });
    assert.equal(gone.status, 504);
    assert.match(
      String(gone.headers['l5d-proxy-error']),
      /had run out before the request was sent/,
    );
  });
});

describe('circuit breaker', () => {
  it('maxRequests 10: fifty callers at once, ten reach the service, forty get 503 at once', async () => {
    source.push({ circuitBreaker: { maxRequests: 10 } });
    // Requests the timeout tests gave up on may still wait at the peer: let them go first.
    peer.releaseHeld();
    await waitFor(() => peer.holding === 0);
    peer.maxHolding = 0;
    const refused: Reply[] = [];
    const calls = Array.from({ length: 50 }, () =>
      call('/hold').then((reply) => {
        if (reply.status === 503) refused.push(reply);
        return reply;
      }),
    );
    // The forty are answered while the ten still wait at the service.
    await waitFor(() => refused.length === 40 && peer.holding === 10);
    peer.releaseHeld();
    const replies = await Promise.all(calls);
    assert.equal(replies.filter((r) => r.status === 200).length, 10);
    assert.equal(peer.maxHolding, 10);
    assert.match(
      String(refused[0]?.headers['l5d-proxy-error']),
      /^CIRCUIT_OPEN: circuit breaker maxRequests towards identity: 10 requests are already in flight/,
    );
    const breaker = { parent_name: 'identity', limit: 'maxRequests' };
    assert.equal(metric('outbound_http_circuit_breaker_open_total', breaker), 40);
  });
});

/** Polls a condition on the event loop's turns (no timers to wait out). */
async function waitFor(condition: () => boolean): Promise<void> {
  for (let turns = 0; !condition(); turns++) {
    if (turns > 1_000_000) throw new Error('condition never held');
    await new Promise((resolve) => setImmediate(resolve));
  }
}

async function drainFailures(): Promise<void> {
  // Failures queued for a test and not used would leak into the next: answer them here.
  for (let i = 0; i < 5; i++) {
    if ((await call('/users/1')).status === 200) return;
  }
}
