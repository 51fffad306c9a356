/** The destination service over real TLS: client certificates decide who may register what. */
import assert from 'node:assert/strict';
import type http2 from 'node:http2';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { connect, type SecureContextOptions, type TLSSocket } from 'node:tls';
import { DEREGISTER_PATH, GET_PATH, HEARTBEAT_PATH, REGISTER_PATH } from '@fusion/mesh-types';
import { createIssuer, createTrustAnchor } from '@fusion/pki';
import { Registry } from '@fusion/telemetry';
import {
  captureLogger,
  createTestPki,
  currentIssuerOf,
  type TestPki,
} from '../identity/testing.ts';
import { type DestinationComponent, startDestination } from './start.ts';
import { callOver, connectDestination, watchOver, workloadTls } from './testing.ts';

const SERVER_NAME = 'destination.fusion.serviceaccount.identity.mesh.test';

let pki: TestPki;
let destination: DestinationComponent;
let registry: Registry;
let lines: Record<string, unknown>[];
const sessions: http2.ClientHttp2Session[] = [];

beforeEach(async () => {
  pki = await createTestPki();
  registry = new Registry();
  const captured = captureLogger();
  lines = captured.lines;
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
    logger: captured.logger,
    rebuildMs: 0,
  });
});
afterEach(async () => {
  for (const session of sessions.splice(0)) session.destroy();
  await destination.close();
  await pki.remove();
});

async function sessionAs(service: string): Promise<http2.ClientHttp2Session> {
  const tls = await workloadTls(pki.issuer, pki.anchor.certPem, pki.identity(service));
  return sessionWith(tls);
}

function sessionWith(tls: SecureContextOptions): http2.ClientHttp2Session {
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

const kernelRegistration = (port: number) => ({
  address: `127.0.0.1:${port}`,
  service: 'ai-kernel',
  instance: `ai-kernel-${port}`,
  labels: { zone: 'local' },
});

describe('destination server', () => {
  it("registers a proxy under its certificate's identity and pushes it to watchers", async () => {
    const watcher = watchOver(await sessionAs('api-gateway'), 'ai-kernel');
    assert.equal(await watcher.status, 200);
    const first = await watcher.next();
    assert.deepEqual(first.endpoints, []);

    const kernel = await sessionAs('ai-kernel');
    const reply = await callOver(kernel, REGISTER_PATH, kernelRegistration(4143));
    assert.equal(reply.status, 200);
    assert.deepEqual(Object.keys(reply.body).sort(), ['heartbeat_ms', 'lease_id', 'ttl_ms']);
    assert.equal(reply.body.ttl_ms, 10_000);
    assert.equal(reply.body.heartbeat_ms, 3_000);

    const pushed = await watcher.next((u) => u.endpoints.length === 1);
    assert.deepEqual(pushed, {
      service: 'ai-kernel',
      version: 1,
      exists: true,
      complete: true,
      endpoints: [
        {
          address: '127.0.0.1:4143',
          identity: 'ai-kernel.default.serviceaccount.identity.mesh.test',
          instance: 'ai-kernel-4143',
          labels: { zone: 'local' },
        },
      ],
    });
    assert.equal(sample('destination_endpoints{service="ai-kernel"}'), 1);
    assert.equal(sample('destination_watchers{service="ai-kernel"}'), 1);
    assert.equal(sample('destination_endpoint_changes_total{change="registered"}'), 1);
    assert.equal(sample('destination_updates_pushed_total'), 2);
    const audit = lines.find((l) => l.msg === 'endpoint registered');
    assert.deepEqual(
      [audit?.service, audit?.address, audit?.identity],
      ['ai-kernel', '127.0.0.1:4143', 'ai-kernel.default.serviceaccount.identity.mesh.test'],
    );
  });

  it('refuses a registration for another service with 403, counts it and logs both names', async () => {
    const gateway = await sessionAs('api-gateway');
    const reply = await callOver(gateway, REGISTER_PATH, kernelRegistration(4143));
    assert.equal(reply.status, 403);
    assert.equal(reply.body.error?.code, 'service-identity-mismatch');
    assert.match(
      reply.body.error?.message ?? '',
      /may register only as service 'api-gateway', not 'ai-kernel'/,
    );
    assert.deepEqual(destination.endpoints.snapshot('ai-kernel').endpoints, []);
    assert.equal(
      sample('destination_registrations_refused_total{reason="service-identity-mismatch"}'),
      1,
    );
    assert.equal(sample('destination_registrations_refused_total{reason="malformed-request"}'), 0);
    const refusal = lines.find((l) => l.msg === 'registration refused');
    assert.deepEqual(
      [refusal?.level, refusal?.reason, refusal?.identity, refusal?.service],
      [
        'warn',
        'service-identity-mismatch',
        'api-gateway.default.serviceaccount.identity.mesh.test',
        'ai-kernel',
      ],
    );
  });

  it('refuses callers without a certificate, or with one from another trust anchor', async () => {
    const anonymous = sessionWith({ ca: pki.anchor.certPem });
    const bare = await callOver(anonymous, REGISTER_PATH, kernelRegistration(1));
    assert.equal(bare.status, 403);
    assert.equal(bare.body.error?.code, 'client-certificate-required');
    const watch = watchOver(anonymous, 'ai-kernel');
    assert.equal(await watch.status, 403);

    const otherAnchor = await createTrustAnchor({ commonName: 'root.elsewhere' });
    const otherIssuer = await createIssuer(otherAnchor, { commonName: 'identity.elsewhere' });
    const forged = sessionWith({
      ...(await workloadTls(otherIssuer, pki.anchor.certPem, pki.identity('ai-kernel'))),
    });
    const untrusted = await callOver(forged, REGISTER_PATH, kernelRegistration(1));
    assert.equal(untrusted.status, 403);
    assert.equal(untrusted.body.error?.code, 'client-identity-invalid');
    assert.match(untrusted.body.error?.message ?? '', /does not chain to the trust anchors/);
    assert.equal(destination.endpoints.counts().length, 0);
    assert.equal(
      sample('destination_registrations_refused_total{reason="client-certificate-required"}'),
      1,
    );
  });

  it('renews by heartbeat, removes on deregister, and says lease-unknown for a lease it never gave', async () => {
    const kernel = await sessionAs('ai-kernel');
    const watcher = watchOver(kernel, 'ai-kernel');
    const lease = (await callOver(kernel, REGISTER_PATH, kernelRegistration(4143))).body;
    const renewed = await callOver(kernel, HEARTBEAT_PATH, { lease_id: lease.lease_id });
    assert.equal(renewed.status, 200);
    assert.equal(renewed.body.lease_id, lease.lease_id);

    const unknown = await callOver(kernel, HEARTBEAT_PATH, { lease_id: 'never-issued' });
    assert.equal(unknown.status, 404);
    assert.equal(unknown.body.error?.code, 'lease-unknown');

    const removed = await callOver(kernel, DEREGISTER_PATH, { lease_id: lease.lease_id });
    assert.deepEqual([removed.status, removed.body], [200, { removed: true }]);
    const emptied = await watcher.next((u) => u.version === 2);
    assert.deepEqual(emptied.endpoints, []);
    assert.equal(sample('destination_endpoint_changes_total{change="deregistered"}'), 1);
  });

  it('names the bad field of a malformed registration, and answers 404 and 405', async () => {
    const kernel = await sessionAs('ai-kernel');
    const noPort = await callOver(kernel, REGISTER_PATH, {
      ...kernelRegistration(1),
      address: 'h',
    });
    assert.equal(noPort.status, 400);
    assert.match(noPort.body.error?.message ?? '', /address must be "host:port"/);
    const badLabel = await callOver(kernel, REGISTER_PATH, {
      ...kernelRegistration(1),
      labels: { __proto__x: 'y' },
    });
    assert.equal(badLabel.body.error?.code, 'malformed-request');
    const notJson = await callOver(kernel, REGISTER_PATH, '{');
    assert.equal(notJson.status, 400);
    assert.equal((await callOver(kernel, '/nope', {})).status, 404);
    const get = await callOver(kernel, GET_PATH, {}, 'GET');
    assert.equal(get.status, 405);
  });

  it('presents the destination identity over TLS 1.3', async () => {
    const socket = await new Promise<TLSSocket>((resolve, reject) => {
      const s = connect({
        host: '127.0.0.1',
        port: destination.address.port,
        ca: pki.anchor.certPem,
        servername: SERVER_NAME,
        ALPNProtocols: ['h2'],
      });
      s.once('secureConnect', () => resolve(s));
      s.once('error', reject);
    });
    assert.equal(socket.getProtocol(), 'TLSv1.3');
    assert.match(
      socket.getPeerCertificate().subjectaltname ?? '',
      /^DNS:destination\.fusion\.serviceaccount\.identity\.mesh\.test, URI:spiffe:\/\/mesh\.test\/ns\/fusion\/sa\/destination$/,
    );
    socket.destroy();
    assert.equal(destination.serverIdentity.name, SERVER_NAME);
  });

  it('ends open watches cleanly at close and stops being ready', async () => {
    const watcher = watchOver(await sessionAs('api-gateway'), 'ai-kernel');
    await watcher.next();
    assert.deepEqual(destination.ready(), { ready: true });
    await destination.close();
    await watcher.ended;
    assert.equal(destination.ready().ready, false);
  });
});
