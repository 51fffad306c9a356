/** The policy Watch over real TLS: the certificate decides whose policy, every change pushed. */
import assert from 'node:assert/strict';
import type http2 from 'node:http2';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { POLICY_WATCH_PATH, type ServicePolicy } from '@fusion/mesh-types';
import { Registry } from '@fusion/telemetry';
import {
  captureLogger,
  createTestPki,
  currentIssuerOf,
  type TestPki,
} from '../identity/testing.ts';
import type { PolicyFeed } from './policy-watch.ts';
import { type DestinationComponent, startDestination } from './start.ts';
import { callOver, connectDestination, watchPolicyOver, workloadTls } from './testing.ts';

const SERVER_NAME = 'destination.fusion.serviceaccount.identity.mesh.test';

let pki: TestPki;
let destination: DestinationComponent;
let registry: Registry;
let policies: Record<string, ServicePolicy>;
let listeners: Set<() => void>;
const sessions: http2.ClientHttp2Session[] = [];

const policy = (service: string, version: string) =>
  ({ service, version, inbound: {}, outbound: {} }) as unknown as ServicePolicy;

function reload(next: Record<string, ServicePolicy>): void {
  policies = next;
  for (const listener of listeners) listener();
}

beforeEach(async () => {
  pki = await createTestPki();
  registry = new Registry();
  policies = { 'ai-kernel': policy('ai-kernel', 'sha256:k1'), identity: policy('identity', 'i1') };
  listeners = new Set();
  const feed: PolicyFeed = {
    policy: (service) => policies[service],
    onChange: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
  destination = await startDestination({
    issuers: {
      current: () => currentIssuerOf(pki.issuer, pki.anchor.certPem),
      onUpdated: () => () => {},
    },
    host: '127.0.0.1',
    port: 0,
    trustDomain: pki.trustDomain,
    lifetimeMs: 3_600_000,
    clockSkewMs: 0,
    registry,
    logger: captureLogger().logger,
    rebuildMs: 0,
    policies: feed,
  });
});
afterEach(async () => {
  for (const session of sessions.splice(0)) session.destroy();
  await destination.close();
  await pki.remove();
});

async function sessionAs(service: string): Promise<http2.ClientHttp2Session> {
  const tls = await workloadTls(pki.issuer, pki.anchor.certPem, pki.identity(service));
  const session = connectDestination(destination.address, tls, SERVER_NAME);
  sessions.push(session);
  return session;
}

function sample(series: string): number | undefined {
  const line = registry
    .expose()
    .split('\n')
    .find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('policy Watch', () => {
  it("streams the caller's own policy, then each new version of it in order", async () => {
    const watch = watchPolicyOver(await sessionAs('ai-kernel'));
    assert.equal(await watch.status, 200);
    assert.deepEqual(await watch.next(), {
      service: 'ai-kernel',
      exists: true,
      policy: policy('ai-kernel', 'sha256:k1'),
    });
    assert.equal(sample('destination_policy_watchers'), 1);
    reload({ ...policies, identity: policy('identity', 'i2') }); // not ours: nothing sent
    reload({ ...policies, 'ai-kernel': policy('ai-kernel', 'sha256:k2') });
    reload({ ...policies, 'ai-kernel': policy('ai-kernel', 'sha256:k3') });
    await watch.next((u) => u.policy?.version === 'sha256:k3');
    assert.deepEqual(
      watch.updates.map((u) => u.policy?.version),
      ['sha256:k1', 'sha256:k2', 'sha256:k3'],
    );
    assert.equal(sample('destination_policy_updates_pushed_total'), 3);
  });

  it('answers exists: false for a service the config does not name', async () => {
    const watch = watchPolicyOver(await sessionAs('search'));
    assert.deepEqual(await watch.next(), { service: 'search', exists: false, policy: null });
  });

  it('refuses to show another service its policy, and callers without a certificate', async () => {
    const wrong = watchPolicyOver(await sessionAs('api-gateway'), { service: 'ai-kernel' });
    assert.equal(await wrong.status, 403);
    await wrong.ended;
    assert.equal(wrong.updates.length, 0);
    const named = watchPolicyOver(await sessionAs('ai-kernel'), { service: 'ai-kernel' });
    assert.equal((await named.next()).policy?.version, 'sha256:k1');

    const anonymous = connectDestination(
      destination.address,
      { ca: pki.anchor.certPem },
      SERVER_NAME,
    );
    sessions.push(anonymous);
    const bare = await callOver(anonymous, POLICY_WATCH_PATH, {});
    assert.equal(bare.status, 403);
    assert.equal(bare.body.error?.code, 'client-certificate-required');
    const get = await callOver(await sessionAs('ai-kernel'), POLICY_WATCH_PATH, {}, 'GET');
    assert.equal(get.status, 405);
  });

  it('ends policy watches at close', async () => {
    const watch = watchPolicyOver(await sessionAs('ai-kernel'));
    await watch.next();
    await destination.close();
    await watch.ended;
    assert.equal(listeners.size, 0, 'the feed is unsubscribed');
  });
});
