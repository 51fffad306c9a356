import assert from 'node:assert/strict';
import { createPublicKey, X509Certificate } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { createServer } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { Registry } from '@fusion/telemetry';
import type { CertifyError } from '../certify/index.ts';
import type { Credentials } from '../credentials/index.ts';
import {
  captureLogger,
  createTestPki,
  IDENTITY_SERVICE_NAME,
  KERNEL,
  startFakeIdentityService,
  type TestPki,
  tokenDir,
  until,
} from '../testing/index.ts';
import { IdentityClient, type RetryInfo } from './identity-client.ts';
import type { IdentityClientOptions } from './options.ts';

let pki: TestPki;
let token: Awaited<ReturnType<typeof tokenDir>>;

before(async () => {
  pki = await createTestPki();
  token = await tokenDir(await pki.mintToken(KERNEL));
});
after(() => token.remove());

function clientFor(addr: string, overrides: Partial<IdentityClientOptions> = {}) {
  const registry = new Registry();
  const { logger, lines } = captureLogger();
  const client = new IdentityClient({
    identity: KERNEL,
    tokenFile: token.file,
    trustAnchorsPem: pki.anchorsPem,
    identityAddr: addr,
    identityServerName: IDENTITY_SERVICE_NAME,
    minRefreshMs: 100,
    registry,
    logger,
    ...overrides,
  });
  const rotations: Credentials[] = [];
  const failures: { error: CertifyError; info: RetryInfo }[] = [];
  client.on('rotated', (c) => rotations.push(c));
  client.on('certify-failed', (error, info) => failures.push({ error, info }));
  const gauge = (name: string) =>
    Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(registry.expose())?.[1]);
  return { client, registry, lines, rotations, failures, gauge };
}

describe('IdentityClient', () => {
  it('start() obtains credentials, and every renewal re-reads the token and uses a new key', async () => {
    const service = await startFakeIdentityService({
      pki,
      serverIdentity: IDENTITY_SERVICE_NAME,
      lifetimeMs: 2_000,
    });
    const { client, rotations } = clientFor(service.addr);
    try {
      const first = await client.start();
      assert.equal(client.credentials(), first);
      assert.equal(first.identity, KERNEL);
      const leaf = new X509Certificate(first.leaf.pem);
      assert.match(leaf.subjectAltName ?? '', new RegExp(`^DNS:${KERNEL.replaceAll('.', '\\.')},`));
      const ourKey = createPublicKey(first.keyPem).export({ type: 'spki', format: 'der' });
      assert.ok(ourKey.equals(leaf.publicKey.export({ type: 'spki', format: 'der' })));
      // The chain the client presents verifies leaf → issuer → anchor.
      const issuer = new X509Certificate(first.certChainPem.split(/\n(?=-----BEGIN)/)[1]!);
      const anchor = new X509Certificate(pki.anchorsPem);
      assert.ok(leaf.checkIssued(issuer) && leaf.verify(issuer.publicKey));
      assert.ok(issuer.checkIssued(anchor) && issuer.verify(anchor.publicKey));
      assert.equal(service.calls[0]?.token, await currentToken());

      const rotatedToken = await pki.mintToken(KERNEL, 7_200_000);
      await token.write(rotatedToken);
      await until(() => rotations.length >= 2, 'a renewal');
      assert.equal(service.calls.at(-1)?.token, rotatedToken, 'the renewal sent the new token');
      assert.notEqual(rotations[1]!.serial, first.serial);
      assert.notEqual(rotations[1]!.keyPem, first.keyPem, 'a new key per certificate');
      assert.equal(client.credentials(), rotations[1]);
    } finally {
      client.stop();
      await service.close();
    }
  });

  it('refuses an identity service that presents another identity, and keeps trying', async () => {
    const impostorName = 'destination.fusion.serviceaccount.identity.cluster.local';
    const impostor = await startFakeIdentityService({ pki, serverIdentity: impostorName });
    const { client, failures, lines } = clientFor(impostor.addr, {
      retryBackoff: { initialMs: 20, maxMs: 40 },
    });
    const started = client.start();
    try {
      await until(() => failures.length >= 3, 'three refused attempts');
      for (const { error } of failures) {
        assert.equal(error.code, 'server-identity-mismatch');
        assert.ok(
          error.message.includes(impostorName) && error.message.includes(IDENTITY_SERVICE_NAME),
        );
      }
      assert.equal(client.credentials(), undefined);
      assert.equal(impostor.callCount, 0, 'no token was sent to the impostor');
      assert.ok(lines.some((l) => l.level === 'warn' && l.code === 'server-identity-mismatch'));
    } finally {
      client.stop();
      await impostor.close();
    }
    await assert.rejects(started, /stopped before it obtained credentials/);
  });

  it('keeps its credentials while the service fails, backs off, and recovers', async () => {
    const service = await startFakeIdentityService({
      pki,
      serverIdentity: IDENTITY_SERVICE_NAME,
      lifetimeMs: 3_000,
    });
    const { client, failures, rotations, gauge, lines } = clientFor(service.addr, {
      retryBackoff: { initialMs: 50, maxMs: 400 },
      random: () => 0.5,
    });
    try {
      const first = await client.start();
      assert.equal(
        gauge('identity_cert_expiration_timestamp_seconds'),
        first.validUntil.getTime() / 1000,
      );
      assert.equal(
        gauge('identity_cert_refresh_timestamp_seconds'),
        first.obtainedAt.getTime() / 1000,
      );
      assert.equal(gauge('identity_certify_failures_total'), 0);

      service.failing = true;
      const keptWhileFailing: boolean[] = [];
      client.on('certify-failed', () => keptWhileFailing.push(client.credentials() === first));
      await until(() => failures.length >= 5, 'five failed attempts');
      service.failing = false;
      await until(() => rotations.length >= 2, 'recovery');

      const failed = failures.length;
      assert.ok(keptWhileFailing.every(Boolean), 'old credentials stayed in service');
      assert.deepEqual(
        failures.slice(0, 5).map((f) => f.info.retryInMs),
        [50, 100, 200, 400, 400],
      );
      assert.ok(
        failures.every(
          (f) => f.error.code === 'issuer-unavailable' && f.info.servingSerial === first.serial,
        ),
      );
      assert.equal(service.calls.filter((c) => c.outcome === 'issuer-unavailable').length, failed);
      assert.equal(gauge('identity_certify_failures_total'), failed);
      assert.ok(
        lines.some(
          (l) =>
            l.level === 'warn' && l.code === 'issuer-unavailable' && l.consecutiveFailures === 5,
        ),
      );

      const recovered = client.credentials()!;
      assert.notEqual(recovered.serial, first.serial);
      assert.equal(
        gauge('identity_cert_expiration_timestamp_seconds'),
        recovered.validUntil.getTime() / 1000,
      );
      assert.ok(recovered.validUntil > first.validUntil);
    } finally {
      client.stop();
      await service.close();
    }
  });

  it('waits for an identity service that is not up yet', async () => {
    const port = await freePort();
    const { client, failures, gauge } = clientFor(`127.0.0.1:${port}`, {
      retryBackoff: { initialMs: 20, maxMs: 80 },
    });
    const started = client.start();
    let service: Awaited<ReturnType<typeof startFakeIdentityService>> | undefined;
    try {
      await until(() => failures.length >= 3, 'three unreachable attempts');
      assert.ok(failures.every((f) => f.error.code === 'unreachable'));
      assert.equal(client.credentials(), undefined);
      service = await startFakeIdentityService(
        { pki, serverIdentity: IDENTITY_SERVICE_NAME },
        port,
      );
      const credentials = await started;
      assert.equal(service.callCount, 1);
      assert.equal(
        gauge('identity_cert_expiration_timestamp_seconds'),
        credentials.validUntil.getTime() / 1000,
      );
      assert.equal(gauge('identity_certify_failures_total'), failures.length);
    } finally {
      client.stop();
      await service?.close();
    }
  });

  it('keeps renewing when a listener throws, and stops renewing when stopped', async () => {
    const service = await startFakeIdentityService({
      pki,
      serverIdentity: IDENTITY_SERVICE_NAME,
      lifetimeMs: 1_000,
    });
    const { client, rotations, lines } = clientFor(service.addr);
    client.on('rotated', () => {
      throw new Error('listener bug');
    });
    try {
      await client.start();
      await until(() => rotations.length >= 3, 'renewals despite the throwing listener');
      assert.ok(lines.some((l) => l.msg === 'identity client listener threw'));
    } finally {
      client.stop();
    }
    const callsAtStop = service.callCount;
    // A 1 s certificate renews within 0.7 s; a running timer would have called again by now.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    assert.equal(service.callCount, callsAtStop);
    await service.close();
    await assert.rejects(client.start(), /stopped/);
  });
});

async function currentToken(): Promise<string> {
  const { readFile } = await import('node:fs/promises');
  return readFile(token.file, 'utf8');
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}
