import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import type http2 from 'node:http2';
import https from 'node:https';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { connect, type TLSSocket } from 'node:tls';
import { CERTIFY_PATH } from '@fusion/mesh-types';
import { toPem, x509 } from '@fusion/pki';
import { Registry } from '@fusion/telemetry';
import { MAX_BODY_BYTES } from './server.ts';
import { type IdentityComponent, startIdentity } from './start.ts';
import {
  base64,
  captureLogger,
  certifyOver,
  connectIdentity,
  createTestPki,
  HOUR_MS,
  signedBy,
  type TestPki,
  workloadRequest,
} from './testing.ts';

const LIFETIME_MS = 24 * HOUR_MS;
const SKEW_MS = 20_000;
const SERVER_NAME = 'identity.fusion.serviceaccount.identity.mesh.test';

let pki: TestPki;
let identity: IdentityComponent;
let registry: Registry;
let lines: Record<string, unknown>[];
let session: http2.ClientHttp2Session;

beforeEach(async () => {
  pki = await createTestPki();
  registry = new Registry();
  const captured = captureLogger();
  lines = captured.lines;
  identity = await startIdentity({
    pkiDir: pki.dir,
    host: '127.0.0.1',
    port: 0,
    trustDomain: pki.trustDomain,
    lifetimeMs: LIFETIME_MS,
    clockSkewMs: SKEW_MS,
    registry,
    logger: captured.logger,
  });
  session = connectIdentity(identity.address, pki.anchor.certPem, SERVER_NAME);
});
afterEach(async () => {
  session.close();
  await identity.close();
  await pki.remove();
});

/** The value of one exposition line, e.g. `identity_certify_refused_total{reason="x"}`. */
function sample(series: string): number | undefined {
  const line = registry
    .expose()
    .split('\n')
    .find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

function hasOpenssl(): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe('identity server: Certify over HTTP/2 + TLS', () => {
  it('issues a P-256 leaf with both SANs that chains to the anchor', async (t) => {
    const { request } = await workloadRequest(pki, 'orders');
    const reply = await certifyOver(session, request);
    assert.equal(reply.status, 200);
    const leaf = new x509.X509Certificate(Buffer.from(reply.body.leaf_certificate, 'base64'));
    const intermediate = new x509.X509Certificate(
      Buffer.from(reply.body.intermediate_certificates[0]!, 'base64'),
    );

    assert.deepEqual(leaf.getExtension(x509.SubjectAlternativeNameExtension)?.names.toJSON(), [
      { type: 'dns', value: 'orders.default.serviceaccount.identity.mesh.test' },
      { type: 'url', value: 'spiffe://mesh.test/ns/default/sa/orders' },
    ]);
    const algorithm = leaf.publicKey.algorithm as { name: string; namedCurve?: string };
    assert.deepEqual([algorithm.name, algorithm.namedCurve], ['ECDSA', 'P-256']);
    assert.equal(leaf.notAfter.getTime() - leaf.notBefore.getTime(), LIFETIME_MS + 2 * SKEW_MS);
    assert.equal(reply.body.valid_until, leaf.notAfter.toISOString());
    assert.equal(intermediate.serialNumber, pki.issuer.cert.serialNumber);
    assert.ok(await signedBy(leaf, pki.issuer.cert));

    const audit = lines.find((l) => l.msg === 'certificate issued');
    assert.deepEqual(
      [audit?.level, audit?.identity, audit?.serial, audit?.not_after],
      [
        'info',
        'orders.default.serviceaccount.identity.mesh.test',
        leaf.serialNumber,
        reply.body.valid_until,
      ],
    );

    if (!hasOpenssl()) return t.skip('openssl not installed');
    const leafPath = join(pki.dir, 'leaf.crt');
    const chainPath = join(pki.dir, 'intermediate.crt');
    await writeFile(leafPath, toPem('CERTIFICATE', leaf.rawData));
    await writeFile(chainPath, toPem('CERTIFICATE', intermediate.rawData));
    const verdict = execFileSync(
      'openssl',
      ['verify', '-CAfile', join(pki.dir, 'ca.crt'), '-untrusted', chainPath, leafPath],
      { encoding: 'utf8' },
    );
    assert.equal(verdict.trim(), `${leafPath}: OK`);
  });

  it('counts issued and refused calls by reason, and logs each refusal', async () => {
    const { request } = await workloadRequest(pki, 'orders');
    await certifyOver(session, request);
    const billingToken = await pki.token(pki.identity('billing'));
    const mismatch = await certifyOver(session, { ...request, token: billingToken });
    await certifyOver(session, { ...request, token: billingToken });
    const notJson = await certifyOver(session, '{"identity": ');
    const tooBig = await certifyOver(session, { ...request, padding: 'x'.repeat(MAX_BODY_BYTES) });

    assert.equal(mismatch.status, 403);
    assert.deepEqual(mismatch.body, {
      error: {
        code: 'token-identity-mismatch',
        message:
          'token is for billing.default.serviceaccount.identity.mesh.test, not orders.default.serviceaccount.identity.mesh.test',
      },
    });
    assert.equal(notJson.status, 400);
    assert.equal(notJson.body.error?.code, 'malformed-request');
    assert.match(notJson.body.error?.message ?? '', /not JSON/);
    assert.equal(tooBig.status, 400);
    assert.equal(tooBig.body.error?.message, `request body exceeds ${MAX_BODY_BYTES} bytes`);

    assert.equal(sample('identity_certify_total'), 1);
    assert.equal(sample('identity_certify_refused_total{reason="token-identity-mismatch"}'), 2);
    assert.equal(sample('identity_certify_refused_total{reason="malformed-request"}'), 2);
    assert.equal(sample('identity_certify_refused_total{reason="csr-weak-key"}'), 0);
    assert.equal(sample('identity_certify_duration_seconds_count'), 5);
    assert.equal(
      sample('identity_issuer_expiration_timestamp_seconds'),
      pki.issuer.cert.notAfter.getTime() / 1000,
    );
    const refusals = lines.filter((l) => l.msg === 'certify refused');
    assert.equal(refusals.length, 4);
    assert.deepEqual(
      [refusals[0]?.level, refusals[0]?.reason, refusals[0]?.identity],
      ['warn', 'token-identity-mismatch', request.identity],
    );
    assert.match(String(refusals[0]?.message), /^token is for billing/);
  });

  it('answers 404 off the Certify path and 405 for other methods', async () => {
    const wrongPath = await certifyOver(session, {}, { path: '/certify' });
    assert.equal(wrongPath.status, 404);
    const wrongMethod = await certifyOver(session, undefined, { method: 'GET' });
    assert.equal(wrongMethod.status, 405);
    assert.match(wrongMethod.body.error?.message ?? '', /GET not allowed/);
    assert.equal(sample('identity_certify_duration_seconds_count'), 0);
  });

  it('presents its own mesh identity, chained through the issuer, over TLS 1.3 only', async () => {
    const socket = await tlsConnect({});
    const peer = socket.getPeerCertificate(true);
    assert.equal(socket.getProtocol(), 'TLSv1.3');
    assert.equal(
      peer.subjectaltname,
      `DNS:${SERVER_NAME}, URI:spiffe://mesh.test/ns/fusion/sa/identity`,
    );
    const served = new x509.X509Certificate(peer.raw);
    assert.ok(await signedBy(served, pki.issuer.cert));
    assert.equal(peer.issuerCertificate.serialNumber.toLowerCase(), pki.issuer.cert.serialNumber);
    socket.destroy();

    await assert.rejects(tlsConnect({ maxVersion: 'TLSv1.2' }), /protocol version|alert/i);
  });

  it('also speaks HTTP/1.1, for curl', async () => {
    const { request } = await workloadRequest(pki, 'orders');
    const status = await new Promise<number>((resolve, reject) => {
      const req = https.request(
        {
          host: '127.0.0.1',
          port: identity.address.port,
          method: 'POST',
          path: CERTIFY_PATH,
          ca: pki.anchor.certPem,
          servername: SERVER_NAME,
          headers: { 'content-type': 'application/json' },
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        },
      );
      req.on('error', reject);
      req.end(JSON.stringify(request));
    });
    assert.equal(status, 200);
    assert.equal(sample('identity_certify_total'), 1);
  });

  it('refuses bad input in the certificate itself with 400 and the code', async () => {
    const { request } = await workloadRequest(pki, 'orders');
    const reply = await certifyOver(session, {
      ...request,
      certificate_signing_request: base64('not a csr'),
    });
    assert.equal(reply.status, 400);
    assert.equal(reply.body.error?.code, 'csr-malformed');
  });
});

function tlsConnect(options: { maxVersion?: 'TLSv1.2' }): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    const socket = connect({
      host: '127.0.0.1',
      port: identity.address.port,
      ca: pki.anchor.certPem,
      servername: SERVER_NAME,
      ALPNProtocols: ['h2'],
      ...options,
    });
    socket.once('secureConnect', () => resolve(socket));
    socket.once('error', reject);
  });
}
