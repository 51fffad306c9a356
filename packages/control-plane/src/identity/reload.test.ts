/**
 * Issuer rotation under load (acceptance point 4): the files change under a running server
 * while Certify calls keep coming, and not one call may fail.
 */
import assert from 'node:assert/strict';
import type http2 from 'node:http2';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { connect } from 'node:tls';
import type { CertifyRequest } from '@fusion/mesh-types';
import type { CertifiedKey, PkiProblem } from '@fusion/pki';
import { x509 } from '@fusion/pki';
import { Registry } from '@fusion/telemetry';
import { PKI_FILES } from './issuer.ts';
import type { ServerTls } from './own-certificate.ts';
import { type IdentityComponent, startIdentity } from './start.ts';
import {
  type CertifyReply,
  captureLogger,
  certifyOver,
  connectIdentity,
  createTestPki,
  HOUR_MS,
  nextEvent,
  signedBy,
  type TestPki,
  workloadRequest,
  writeAtomically,
} from './testing.ts';

const SERVER_NAME = 'identity.fusion.serviceaccount.identity.mesh.test';
/** How long the traffic runs on each side of the rotation (the brief asks for ~3 s in all). */
const TRAFFIC_PHASE_MS = 1500;
const CONCURRENCY = 4;

let pki: TestPki;
let identity: IdentityComponent;
let lines: Record<string, unknown>[];

beforeEach(async () => {
  pki = await createTestPki();
  const captured = captureLogger();
  lines = captured.lines;
  identity = await startIdentity({
    pkiDir: pki.dir,
    host: '127.0.0.1',
    port: 0,
    trustDomain: pki.trustDomain,
    lifetimeMs: 24 * HOUR_MS,
    clockSkewMs: 20_000,
    registry: new Registry(),
    logger: captured.logger,
  });
});
afterEach(async () => {
  await identity.close();
  await pki.remove();
});

interface Outcome {
  readonly reply?: CertifyReply;
  readonly error?: unknown;
  /** Whether the call was sent after the new issuer was in force. */
  readonly afterSwap: boolean;
}

/** Sends Certify calls back to back on `CONCURRENCY` streams until `stop()` is called. */
function steadyTraffic(session: http2.ClientHttp2Session, requests: readonly CertifyRequest[]) {
  const outcomes: Outcome[] = [];
  let running = true;
  let swapped = false;
  const worker = async (request: CertifyRequest) => {
    while (running) {
      const afterSwap = swapped;
      try {
        outcomes.push({ reply: await certifyOver(session, request), afterSwap });
      } catch (error) {
        outcomes.push({ error, afterSwap });
      }
    }
  };
  const done = Promise.all(requests.map(worker));
  return {
    outcomes,
    markSwapped: () => {
      swapped = true;
    },
    stop: () => {
      running = false;
      return done;
    },
  };
}

async function servedCertificate(): Promise<x509.X509Certificate> {
  return new Promise((resolve, reject) => {
    const socket = connect({
      host: '127.0.0.1',
      port: identity.address.port,
      ca: pki.anchor.certPem,
      servername: SERVER_NAME,
    });
    socket.once('secureConnect', () => {
      resolve(new x509.X509Certificate(socket.getPeerCertificate().raw));
      socket.destroy();
    });
    socket.once('error', reject);
  });
}

const intermediateOf = (reply: CertifyReply) => reply.body.intermediate_certificates[0];
const derBase64 = (issuer: CertifiedKey) => Buffer.from(issuer.cert.rawData).toString('base64');

describe('issuer hot reload', () => {
  it('rotates the issuer under steady Certify traffic without a failed call', async () => {
    const session = connectIdentity(identity.address, pki.anchor.certPem, SERVER_NAME);
    const requests = await Promise.all(
      Array.from({ length: CONCURRENCY }, (_, i) => workloadRequest(pki, `svc-${i}`)),
    );
    const traffic = steadyTraffic(
      session,
      requests.map((r) => r.request),
    );
    await sleep(TRAFFIC_PHASE_MS);

    const next = await pki.newIssuer('identity-2.mesh.test');
    const swapped = nextEvent(identity.issuers.onUpdated.bind(identity.issuers));
    const renewed = nextEvent<ServerTls>(
      identity.serverCertificate.onRenewed.bind(identity.serverCertificate),
    );
    await pki.install(next);
    await swapped;
    traffic.markSwapped();
    await sleep(TRAFFIC_PHASE_MS);
    await traffic.stop();
    session.close();

    const failures = traffic.outcomes.filter((o) => o.error || o.reply?.status !== 200);
    assert.deepEqual(failures, [], 'every call during the rotation succeeds');
    const before = traffic.outcomes.filter((o) => !o.afterSwap);
    const afterSwap = traffic.outcomes.filter((o) => o.afterSwap);
    assert.ok(before.length >= CONCURRENCY, `calls before the swap: ${before.length}`);
    assert.ok(afterSwap.length >= CONCURRENCY, `calls after the swap: ${afterSwap.length}`);
    // A call in flight at the swap may be signed by either; one sent after it, only the new one.
    const eitherIssuer = [derBase64(pki.issuer), derBase64(next)];
    assert.ok(before.every((o) => eitherIssuer.includes(intermediateOf(o.reply!)!)));
    assert.ok(before.some((o) => intermediateOf(o.reply!) === derBase64(pki.issuer)));
    assert.ok(afterSwap.every((o) => intermediateOf(o.reply!) === derBase64(next)));
    for (const outcome of afterSwap) {
      const leaf = new x509.X509Certificate(
        Buffer.from(outcome.reply!.body.leaf_certificate, 'base64'),
      );
      assert.ok(await signedBy(leaf, next.cert), 'leaf after the swap is signed by the new issuer');
      assert.equal(await signedBy(leaf, pki.issuer.cert), false);
    }

    // The server's own certificate follows: new handshakes see a leaf from the new issuer.
    const tls = await renewed;
    assert.equal(tls.cert.issuer, 'CN=identity-2.mesh.test');
    const served = await servedCertificate();
    assert.equal(served.serialNumber, tls.cert.serialNumber);
    assert.ok(await signedBy(served, next.cert));
    const updated = lines.find((l) => l.msg === 'IssuerUpdated');
    assert.equal(updated?.serial, next.cert.serialNumber);
  });

  it('refuses a new certificate whose key does not match, and keeps serving with the old', async () => {
    const session = connectIdentity(identity.address, pki.anchor.certPem, SERVER_NAME);
    const { request } = await workloadRequest(pki, 'orders');
    const next = await pki.newIssuer('identity-2.mesh.test');
    const stranger = await pki.newIssuer('stranger.mesh.test');
    const rejected = nextEvent<readonly PkiProblem[]>(
      identity.issuers.onRejected.bind(identity.issuers),
    );
    await writeAtomically(join(pki.dir, PKI_FILES.issuerKey), stranger.keyPem, 0o600);
    await writeAtomically(join(pki.dir, PKI_FILES.issuerCert), next.certPem);
    assert.deepEqual(
      (await rejected).map((p) => p.code),
      ['issuer-key-mismatch'],
    );

    const reply = await certifyOver(session, request);
    session.close();
    assert.equal(reply.status, 200);
    assert.equal(intermediateOf(reply), derBase64(pki.issuer));
    assert.ok(await signedBy(await servedCertificate(), pki.issuer.cert));
    const failed = lines.find((l) => l.msg === 'IssuerValidationFailed');
    assert.match(
      String((failed?.reasons as string[] | undefined)?.[0]),
      /does not belong to the issuer/,
    );
    assert.equal(identity.ready().ready, true);
  });
});
