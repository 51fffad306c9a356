/**
 * Balancing across real peers: three replicas share the load, and when one dies the requests
 * that were on it fail but new ones go to the others — fail-fast keeps them off it.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, it } from 'node:test';
import { Registry } from '@fusion/telemetry';
import { captureLogger } from '../../../identity-client/src/testing/index.ts';
import { staticDiscovery } from '../discovery/index.ts';
import { type Outbound, startOutbound } from './index.ts';
import { type FakePeer, h1, type Mesh, type Reply, startMesh, X } from './testing/index.ts';

const CONCURRENCY = 10;
let mesh: Mesh;
let peers: FakePeer[];
let outbound: Outbound;
let agent: http.Agent;

before(async () => {
  mesh = await startMesh();
  peers = await Promise.all([mesh.peer(X), mesh.peer(X), mesh.peer(X)]);
  const warmup = await mesh.peer(X);
  outbound = await startOutbound({
    listen: { host: '127.0.0.1', port: 0 },
    identity: mesh.client,
    discovery: staticDiscovery({
      identity: peers.map((peer) => ({ address: peer.address, identity: X })),
      warmup: [{ address: warmup.address, identity: X }],
    }),
    registry: new Registry(),
    logger: captureLogger().logger,
  });
  agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  // Compiling the code paths makes the first requests take tens of ms, and peak-EWMA keeps
  // such a peak for ~τ = 10 s: warm them on another service, so that the figures below
  // measure balancing rather than the JIT.
  await load(200, 'warmup');
});

after(async () => {
  agent.destroy();
  await outbound.close();
  await mesh.close();
});

/** `total` requests, CONCURRENCY at a time; `midway` runs once, after `total / 3` replies. */
async function load(
  total: number,
  host = 'identity',
  midway?: () => Promise<void>,
): Promise<Reply[]> {
  const replies: Reply[] = [];
  let next = 0;
  let midwayDone: Promise<void> | undefined;
  const worker = async () => {
    while (next < total) {
      next += 1;
      const reply = await h1(outbound.address.port, { host, agent }).catch((error: Error) => ({
        status: 0,
        headers: {},
        body: error.message,
      }));
      replies.push(reply);
      if (midway && !midwayDone && replies.length >= total / 3) midwayDone = midway();
      if (midwayDone) await midwayDone;
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return replies;
}

const shares = (replies: Reply[]) =>
  peers.map(
    (peer) => replies.filter((r) => r.headers['x-peer'] === peer.address).length / replies.length,
  );

it('spreads 300 requests over three replicas, each 20–47 %', async (t) => {
  const replies = await load(300);
  assert.ok(replies.every((r) => r.status === 200));
  const split = shares(replies);
  t.diagnostic(`split: ${split.map((s) => `${(s * 100).toFixed(1)} %`).join(', ')}`);
  for (const share of split) assert.ok(share >= 0.2 && share <= 0.47, `${split}`);
});

it('keeps new requests off a replica once its connection has failed', async (t) => {
  const dead = peers[0]!;
  const replies = await load(300, 'identity', () => dead.stop());
  const failed = replies.filter((r) => r.status !== 200);
  t.diagnostic(
    `after a stop: ${failed.length} failed (${failed.map((r) => r.headers['l5d-proxy-error'] ?? r.body).join('; ')})`,
  );
  // Only requests in flight on the dead replica when it died may fail.
  assert.ok(failed.length <= CONCURRENCY, `${failed.length} failed`);
  const received = dead.received.length;
  const after = await load(100);
  assert.ok(after.every((r) => r.status === 200));
  assert.equal(dead.received.length, received);
  assert.deepEqual(
    shares(after).map((s) => s > 0),
    [false, true, true],
  );
});
