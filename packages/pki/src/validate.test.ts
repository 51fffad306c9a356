import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createIssuer, createTrustAnchor, DAY_MS, signLeaf } from './ca.ts';
import { createCsr, inspectCsr } from './csr.ts';
import { generateKeyPair, privateKeyToPem } from './keys.ts';
import { workloadIdentity } from './names.ts';
import type { CryptoKeyPair } from './provider.ts';
import { validateIssuer } from './validate.ts';

const codes = (problems: { code: string }[]) => problems.map((p) => p.code).sort();

describe('validateIssuer', async () => {
  const anchor = await createTrustAnchor({ commonName: 'root' });
  const issuer = await createIssuer(anchor, { commonName: 'issuer' });
  const good = {
    anchorsPem: anchor.certPem,
    issuerCertPem: issuer.certPem,
    issuerKeyPem: issuer.keyPem,
  };

  test('a fresh pair has no problems', async () => {
    assert.deepEqual(await validateIssuer(good), []);
  });

  test('an issuer from another anchor is not chained', async () => {
    const stranger = await createIssuer(await createTrustAnchor({ commonName: 'other' }), {
      commonName: 'issuer',
    });
    const problems = await validateIssuer({
      ...good,
      issuerCertPem: stranger.certPem,
      issuerKeyPem: stranger.keyPem,
    });
    assert.deepEqual(codes(problems), ['issuer-not-chained']);
    assert.match(problems[0]!.message, /not signed by any trust anchor/);
  });

  test('a key that is not the certificate’s is refused', async () => {
    const otherKey = await privateKeyToPem((await generateKeyPair()).privateKey);
    assert.deepEqual(codes(await validateIssuer({ ...good, issuerKeyPem: otherKey })), [
      'issuer-key-mismatch',
    ]);
    assert.deepEqual(codes(await validateIssuer({ ...good, issuerKeyPem: 'not a key' })), [
      'issuer-key-unparsable',
    ]);
  });

  test('a leaf used as issuer is not a CA; an empty bundle has no anchor', async () => {
    const keys = await generateKeyPair();
    const identity = workloadIdentity('vision', 'default', 'cluster.local');
    const leaf = await signLeaf(anchor, {
      publicKey: await x509PublicKey(keys),
      identity,
      lifetimeMs: DAY_MS,
      clockSkewMs: 0,
    });
    const problems = await validateIssuer({
      ...good,
      issuerCertPem: leaf.cert.toString('pem'),
      issuerKeyPem: await privateKeyToPem(keys.privateKey),
    });
    assert.deepEqual(codes(problems.filter((p) => p.severity === 'error')), ['issuer-not-ca']);
    assert.deepEqual(codes(await validateIssuer({ ...good, anchorsPem: 'garbage' })), [
      'trust-anchor-missing',
    ]);
  });

  test('expiry: expired is an error, under 60 days a warning, not yet valid an error', async () => {
    const expired = await validateIssuer({ ...good, now: new Date(Date.now() + 400 * DAY_MS) });
    assert.ok(codes(expired).includes('issuer-expired'));
    const soon = await validateIssuer({ ...good, now: new Date(Date.now() + 330 * DAY_MS) });
    assert.deepEqual(soon.map((p) => [p.code, p.severity]).sort(), [
      ['issuer-expiring', 'warning'],
      ['trust-anchor-expiring', 'warning'],
    ]);
    const early = await validateIssuer({ ...good, now: new Date(Date.now() - DAY_MS) });
    assert.ok(codes(early).includes('issuer-not-yet-valid'));
  });

  test('the anchor bundle may hold several anchors (rotation overlap)', async () => {
    const next = await createTrustAnchor({ commonName: 'root-2' });
    assert.deepEqual(
      await validateIssuer({ ...good, anchorsPem: next.certPem + anchor.certPem }),
      [],
    );
  });
});

async function x509PublicKey(keys: CryptoKeyPair) {
  const identity = workloadIdentity('vision', 'default', 'cluster.local');
  return (await inspectCsr(await createCsr(keys, identity))).csr.publicKey;
}
