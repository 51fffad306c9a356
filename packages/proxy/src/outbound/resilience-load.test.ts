/**
 * The resilience policies under load, through a real outbound proxy to three replicas (fake
 * peer proxies over mTLS): the seed's retry policy hides a replica that fails half its
 * requests; the retry budget keeps a service that fails everything from a retry storm; a
 * replica that crashes under load costs (almost) no request. Figures are counts, not times.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, it } from 'node:test';
import type { OutboundPolicy } from '@fusion/mesh-types';
import { Registry } from '@fusion/telemetry';
import { captureLogger } from '../../../identity-client/src/testing/index.ts';
import { staticDiscovery } from '../discovery/index.ts';
import { type Outbound, startOutbound } from './index.ts';
import { type FakePeer, type Mesh, sample, startMesh, X } from './testing/index.ts';

/** The seed's policy (retries.attempts 3, perTryTimeout 2s) plus what a test adds. */
function seedPolicy(extra: Partial<OutboundPolicy> = {}): OutboundPolicy {
  return {
    service: 'identity',
    routes: [
      {
        name: 'default',
        match: { headers: [] },
        retries: {
          limit: 3,
          perTryTimeoutMs: 2000,
          retryOn: [{ min: 500, max: 599 }],
          retryOnGrpc: [],
          nonIdempotent: false,
        },
        backends: [],
      },
    ],
    ...extra,
  };
}

let mesh: Mesh;
const running: Outbound[] = [];

before(async () => {
  mesh = await startMesh();
});

after(async () => {
  await Promise.all(running.map((o) => o.close()));
  await mesh.close();
});

async function outboundTo(peers: FakePeer[], policy: OutboundPolicy) {
  const registry = new Registry();
  const outbound = await startOutbound({
    listen: { host: '127.0.0.1', port: 0 },
    identity: mesh.client,
    discovery: staticDiscovery({
      identity: peers.map((p) => ({ address: p.address, identity: X })),
    }),
    registry,
    logger: captureLogger().logger,
    policies: { towards: () => policy, watch: () => () => {} },
  });
  running.push(outbound);
  return { outbound, registry };
}

/** `total` GETs, `concurrency` at a time over kept-alive connections; the statuses seen. */
async function load(
  port: number,
  total: number,
  concurrency: number,
  onProgress: (done: number) => void = () => {},
): Promise<number[]> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const statuses: number[] = [];
  let next = 0;
  const worker = async () => {
    while (next < total) {
      next += 1;
      statuses.push(await get(port, agent));
      onProgress(statuses.length);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  agent.destroy();
  return statuses;
}

function get(port: number, agent: http.Agent): Promise<number> {
  return new Promise((resolve) => {
    const request = http.get(
      { host: '127.0.0.1', port, path: '/v1/whoami', agent, headers: { host: 'identity' } },
      (response) => {
        response.resume();
        response.once('end', () => resolve(response.statusCode ?? 0));
      },
    );
    // A connection the proxy cut counts as a failed request, like any other.
    request.once('error', () => resolve(0));
  });
}

const received = (peers: FakePeer[]) => peers.reduce((n, p) => n + p.received.length, 0);
const retryLabels = { parent_name: 'identity', route_name: 'default' };

describe('under load', () => {
  it('one of three replicas fails half its requests: ≥ 99.9 % of 2,000 succeed, within budget', async (t) => {
    const peers = [await mesh.peer(X), await mesh.peer(X), await mesh.peer(X)];
    peers[0]?.failEvery(2, 503);
    const { outbound, registry } = await outboundTo(peers, seedPolicy());
    const statuses = await load(outbound.address.port, 2000, 16);
    const ok = statuses.filter((s) => s === 200).length;
    const failed = statuses.filter((s) => s !== 200).join(' ');
    const retriesSoFar = sample(registry, 'outbound_http_route_retry_requests_total', retryLabels);
    assert.ok(ok >= 1998, `${ok} of 2000 succeeded (failed: ${failed}; ${retriesSoFar} retries)`);
    const retries = sample(registry, 'outbound_http_route_retry_requests_total', retryLabels);
    // Linkerd's default budget: 20 % of the requests of the last 10 s, plus 10 per second.
    assert.ok(retries > 0 && retries <= 0.2 * 2000 + 10 * 10, `${retries} retries`);
    assert.equal(received(peers), 2000 + retries);
    t.diagnostic(
      `${ok} of 2000 succeeded, ${retries} retries, the failing replica saw ${peers[0]?.received.length}`,
    );
  });

  it('a service failing every request gets at most the budget above its callers’ load', async (t) => {
    const peers = [await mesh.peer(X)];
    peers[0]?.failEvery(1, 503);
    const { outbound, registry } = await outboundTo(peers, seedPolicy());
    const statuses = await load(outbound.address.port, 500, 16);
    assert.equal(statuses.filter((s) => s === 503).length, 500);
    // Without the budget: 4 tries each, 2,000 requests. With it: 500 + 20 % + 10/s over 10 s.
    assert.ok(received(peers) <= 500 + 0.2 * 500 + 10 * 10, `${received(peers)} reached it`);
    assert.ok(sample(registry, 'outbound_http_route_retry_overflow_total', retryLabels) > 0);
    t.diagnostic(
      `500 requests, ${received(peers)} reached the service (4 tries each would be 2000)`,
    );
  });

  it('a replica crashing under load: ≤ 0.1 % fail, and the balancer stops choosing it', async (t) => {
    const peers = [await mesh.peer(X), await mesh.peer(X), await mesh.peer(X)];
    const policy = seedPolicy({
      circuitBreaker: {
        failureAccrual: {
          kind: 'consecutive',
          maxFailures: 7,
          minPenaltyMs: 1000,
          maxPenaltyMs: 60_000,
          jitterRatio: 0.5,
        },
      },
    });
    const { outbound, registry } = await outboundTo(peers, policy);
    const crashed = peers[2] as FakePeer;
    let stopped: Promise<void> | undefined;
    const statuses = await load(outbound.address.port, 2000, 16, (done) => {
      if (done === 500) stopped = crashed.stop();
    });
    await stopped;
    const failed = statuses.filter((s) => s !== 200).length;
    assert.ok(failed <= 2, `${failed} of 2000 failed`);
    // After the crash the balancer stopped choosing it: the last thousand went to the others.
    const atCrash = crashed.received.length;
    assert.ok(atCrash < 2000 / 3 + 100, `the crashed replica saw ${atCrash}`);
    const ejections = sample(registry, 'outbound_http_failure_accrual_ejections_total', {});
    t.diagnostic(
      `${failed} of 2000 failed; the crashed replica saw ${atCrash}; ejections ${ejections}`,
    );
  });
});
