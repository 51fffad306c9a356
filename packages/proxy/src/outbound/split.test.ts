/**
 * Weighted splits through the real outbound stack: a route's requests go to the service and its
 * canary (another service, with its own endpoints and identity) by weight; a header route sends
 * its requests to the canary alone; a weight pushed live applies to the next requests and drops
 * none in flight.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, it } from 'node:test';
import type { OutboundRoute } from '@fusion/mesh-types';
import { Registry } from '@fusion/telemetry';
import { captureLogger } from '../../../identity-client/src/testing/index.ts';
import { staticDiscovery } from '../discovery/index.ts';
import { type Outbound, startOutbound } from './index.ts';
import { type FakePeer, h1, type Mesh, policySource, startMesh, X, Y } from './testing/index.ts';

let mesh: Mesh;
let stable: FakePeer;
let canary: FakePeer;
let outbound: Outbound;
const { policies, push: pushPolicy } = policySource();
const push = (routes: OutboundRoute[]) => pushPolicy('identity', { service: 'identity', routes });
const route = (
  name: string,
  backends: [string, number][],
  headers: { name: string; value: string }[] = [],
): OutboundRoute => ({
  name,
  match: { headers },
  backends: backends.map(([service, weight]) => ({ service, weight })),
});

before(async () => {
  mesh = await startMesh();
  stable = await mesh.peer(X);
  canary = await mesh.peer(Y);
  outbound = await startOutbound({
    listen: { host: '127.0.0.1', port: 0 },
    identity: mesh.client,
    discovery: staticDiscovery({
      identity: [{ address: stable.address, identity: X }],
      'identity-canary': [{ address: canary.address, identity: Y }],
    }),
    registry: new Registry(),
    logger: captureLogger().logger,
    policies,
  });
});

after(async () => {
  await outbound.close();
  await mesh.close();
});

const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
after(() => agent.destroy());
const call = (headers: Record<string, string> = {}) =>
  h1(outbound.address.port, { host: 'identity', path: '/users/1', agent, headers });

/** `count` calls, 16 at a time; how many each side received, and the statuses. */
async function drive(count: number, headers: Record<string, string> = {}) {
  const before = { stable: stable.received.length, canary: canary.received.length };
  const statuses: number[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (next < count) {
        next += 1;
        statuses.push((await call(headers)).status);
      }
    }),
  );
  return {
    stable: stable.received.length - before.stable,
    canary: canary.received.length - before.canary,
    statuses,
  };
}

describe('weighted splits', () => {
  it('sends 90/10 of 2,000 requests to the service and its canary, within 3 points', async () => {
    push([
      route('default', [
        ['identity', 90],
        ['identity-canary', 10],
      ]),
    ]);
    const { stable: s, canary: c, statuses } = await drive(2000);
    assert.equal(s + c, 2000);
    assert.ok(statuses.every((status) => status === 200));
    assert.ok(Math.abs(c / 2000 - 0.1) <= 0.03, `${c} of 2000 to the canary`);
    // The canary is reached as itself: its own identity was verified by its peer's handshake.
    assert.match(canary.received.at(-1)!.headers[':authority'] ?? '', /^identity-canary/);
  });

  it('routes requests with a header to the canary alone, the rest by the split', async () => {
    push([
      route('canary-testers', [['identity-canary', 1]], [{ name: 'x-canary', value: 'true' }]),
      route('default', [['identity', 1]]),
    ]);
    const testers = await drive(200, { 'x-canary': 'true' });
    assert.deepEqual([testers.stable, testers.canary], [0, 200]);
    const others = await drive(200);
    assert.deepEqual([others.stable, others.canary], [200, 0]);
  });

  it('takes new weights pushed under load for the next requests, dropping none', async () => {
    push([
      route('default', [
        ['identity', 90],
        ['identity-canary', 10],
      ]),
    ]);
    const received = () => stable.received.length + canary.received.length;
    const start = received();
    const load = drive(3000);
    // Half-way (by the peers' own counts), the weights become 50/50.
    await new Promise<void>((resolve) => {
      const check = setInterval(() => {
        if (received() - start < 1500) return;
        clearInterval(check);
        resolve();
      }, 1);
    });
    const beforeChange = { stable: stable.received.length, canary: canary.received.length };
    push([
      route('default', [
        ['identity', 50],
        ['identity-canary', 50],
      ]),
    ]);
    const { statuses } = await load;
    assert.equal(statuses.length, 3000);
    assert.ok(
      statuses.every((status) => status === 200),
      'no request dropped',
    );
    const after = await drive(2000);
    assert.ok(Math.abs(after.canary / 2000 - 0.5) <= 0.03, `${after.canary} of 2000 to the canary`);
    assert.ok(canary.received.length > beforeChange.canary);
  });
});
