import assert from 'node:assert/strict';
import { after, before, describe, it, mock } from 'node:test';
import { fromPemAll, workloadIdentity, x509 } from '@fusion/pki';
import type { CurrentIssuer } from './issuer.ts';
import { createOwnCertificate, type ServerTls } from './own-certificate.ts';
import {
  captureLogger,
  createTestPki,
  currentIssuerOf,
  HOUR_MS,
  nextEvent,
  signedBy,
  type TestPki,
} from './testing.ts';

const SERVER = workloadIdentity('identity', 'fusion', 'mesh.test');

let pki: TestPki;
before(async () => {
  pki = await createTestPki();
});
after(() => pki.remove());

describe('the identity server certificate', () => {
  it('names the service, chains leaf + issuer, and sets TLS 1.3 as the floor', async () => {
    const own = await createOwnCertificate({
      identity: SERVER,
      issuer: () => currentIssuerOf(pki.issuer, pki.anchor.certPem),
      lifetimeMs: 24 * HOUR_MS,
      clockSkewMs: 20_000,
      logger: captureLogger().logger,
    });
    const { cert, context } = own.current();
    own.close();

    assert.deepEqual(cert.getExtension(x509.SubjectAlternativeNameExtension)?.names.toJSON(), [
      { type: 'dns', value: 'identity.fusion.serviceaccount.identity.mesh.test' },
      { type: 'url', value: 'spiffe://mesh.test/ns/fusion/sa/identity' },
    ]);
    const chain = fromPemAll(String(context.cert), 'CERTIFICATE');
    assert.equal(chain.length, 2);
    assert.deepEqual(Buffer.from(chain[1]!), Buffer.from(pki.issuer.cert.rawData));
    assert.equal(context.minVersion, 'TLSv1.3');
    assert.match(String(context.key), /BEGIN PRIVATE KEY/);
  });

  it('carries the trust anchors only for a server that verifies clients', async () => {
    const make = (verifyClients: boolean) =>
      createOwnCertificate({
        identity: SERVER,
        issuer: () => currentIssuerOf(pki.issuer, pki.anchor.certPem),
        lifetimeMs: HOUR_MS,
        clockSkewMs: 0,
        logger: captureLogger().logger,
        verifyClients,
      });
    const verifying = await make(true);
    const plain = await make(false);
    verifying.close();
    plain.close();
    assert.equal(verifying.current().context.ca, pki.anchor.certPem);
    assert.equal(plain.current().context.ca, undefined);
  });

  it('re-signs with whatever issuer is current, keeping its key', async () => {
    let issuer: CurrentIssuer = currentIssuerOf(pki.issuer, pki.anchor.certPem);
    const own = await createOwnCertificate({
      identity: SERVER,
      issuer: () => issuer,
      lifetimeMs: 24 * HOUR_MS,
      clockSkewMs: 20_000,
      logger: captureLogger().logger,
    });
    const first = own.current();
    const next = await pki.newIssuer('identity-2.mesh.test');
    issuer = currentIssuerOf(next, pki.anchor.certPem);
    const heard = nextEvent<ServerTls>(own.onRenewed.bind(own));
    const renewed = await own.renew('issuer updated');
    own.close();

    assert.equal(await heard, renewed);
    assert.equal(own.current(), renewed);
    assert.ok(await signedBy(renewed.cert, next.cert));
    assert.notEqual(renewed.cert.serialNumber, first.cert.serialNumber);
    assert.equal(renewed.context.key, first.context.key);
  });

  it('renews by itself at 70 % of its lifetime', async () => {
    mock.timers.enable({ apis: ['setTimeout'] });
    try {
      const lifetimeMs = 10 * HOUR_MS;
      const own = await createOwnCertificate({
        identity: SERVER,
        issuer: () => currentIssuerOf(pki.issuer, pki.anchor.certPem),
        lifetimeMs,
        clockSkewMs: 0,
        logger: captureLogger().logger,
      });
      const first = own.current();
      const remaining = first.cert.notAfter.getTime() - Date.now();
      let renewals = 0;
      own.onRenewed(() => renewals++);

      mock.timers.tick(Math.floor(remaining * 0.7) - 1000);
      await new Promise((resolve) => setImmediate(resolve));
      assert.equal(renewals, 0, 'not renewed a second before 70 %');

      const renewed = nextEvent<ServerTls>(own.onRenewed.bind(own));
      // The timer was set a few ms before `remaining` was read, so it is due a little later.
      mock.timers.tick(2000);
      assert.notEqual((await renewed).cert.serialNumber, first.cert.serialNumber);
      own.close();
    } finally {
      mock.timers.reset();
    }
  });
});
