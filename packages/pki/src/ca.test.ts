import assert from 'node:assert/strict';
import { X509Certificate as NodeX509Certificate } from 'node:crypto';
import { describe, test } from 'node:test';
import { createIssuer, createTrustAnchor, DAY_MS, signLeaf } from './ca.ts';
import { createCsr, inspectCsr } from './csr.ts';
import { generateKeyPair } from './keys.ts';
import { serialNumber } from './leaf-signer.ts';
import { workloadIdentity } from './names.ts';
import { x509 } from './provider.ts';
import { signedByAny } from './validate.ts';

const identity = workloadIdentity('ai-kernel', 'default', 'cluster.local');

describe('certificate authority', async () => {
  const now = new Date('2026-11-26T12:00:00Z');
  const anchor = await createTrustAnchor({ commonName: 'root.cluster.local', now });
  const issuer = await createIssuer(anchor, { commonName: 'identity.fusion.cluster.local', now });

  test('anchor and issuer are P-256 CAs valid 365 days; the issuer may only sign leaves', async () => {
    for (const ca of [anchor, issuer]) {
      assert.equal(ca.cert.notAfter.getTime() - ca.cert.notBefore.getTime(), 365 * DAY_MS);
      assert.equal((ca.cert.publicKey.algorithm as { namedCurve?: string }).namedCurve, 'P-256');
      assert.equal(ca.cert.getExtension(x509.BasicConstraintsExtension)?.ca, true);
    }
    assert.equal(issuer.cert.getExtension(x509.BasicConstraintsExtension)?.pathLength, 0);
    assert.ok(await anchor.cert.isSelfSigned());
    assert.ok(await signedByAny(issuer.cert, [anchor.cert]));
    assert.match(issuer.keyPem, /^-----BEGIN PRIVATE KEY-----/);
  });

  test('a leaf carries both SANs, both usages, and the window now − skew … now + lifetime + skew', async () => {
    const keys = await generateKeyPair();
    const leaf = await signLeaf(issuer, {
      publicKey: (await inspectCsr(await createCsr(keys, identity))).csr.publicKey,
      identity,
      lifetimeMs: DAY_MS,
      clockSkewMs: 20_000,
      now,
    });
    assert.equal(leaf.notBefore.toISOString(), '2026-11-26T11:59:40.000Z');
    assert.equal(leaf.notAfter.toISOString(), '2026-11-27T12:00:20.000Z');
    const san = leaf.cert.getExtension(x509.SubjectAlternativeNameExtension)!.names.toJSON();
    assert.deepEqual(san, [
      { type: 'dns', value: 'ai-kernel.default.serviceaccount.identity.cluster.local' },
      { type: 'url', value: 'spiffe://cluster.local/ns/default/sa/ai-kernel' },
    ]);
    const eku = leaf.cert.getExtension(x509.ExtendedKeyUsageExtension)!.usages;
    assert.deepEqual(
      [...eku].sort(),
      [x509.ExtendedKeyUsage.clientAuth, x509.ExtendedKeyUsage.serverAuth].sort(),
    );
    assert.equal(leaf.cert.getExtension(x509.BasicConstraintsExtension)?.ca, false);
    assert.ok(await signedByAny(leaf.cert, [issuer.cert]));
    assert.equal(leaf.cert.serialNumber, leaf.serial);
  });

  test('leaf serials are always minimal positive DER, which OpenSSL insists on', async () => {
    // A zero first byte would be 1 in 128; a few hundred draws make a regression near certain.
    for (let i = 0; i < 500; i++) {
      const first = Number.parseInt(serialNumber().slice(0, 2), 16);
      assert.ok(first >= 0x40 && first <= 0x7f, `first byte ${first.toString(16)}`);
    }
    const keys = await generateKeyPair();
    const publicKey = (await inspectCsr(await createCsr(keys, identity))).csr.publicKey;
    for (let i = 0; i < 50; i++) {
      const leaf = await signLeaf(issuer, {
        publicKey,
        identity,
        lifetimeMs: DAY_MS,
        clockSkewMs: 0,
      });
      assert.equal(
        new NodeX509Certificate(Buffer.from(leaf.der)).serialNumber.toLowerCase(),
        leaf.serial,
      );
    }
  });

  test('serial numbers are positive and distinct', async () => {
    const serials = new Set<string>();
    for (let i = 0; i < 5; i++) {
      const ca = await createTrustAnchor({ commonName: `r${i}` });
      assert.ok(Number.parseInt(ca.cert.serialNumber.slice(0, 2), 16) < 0x80);
      serials.add(ca.cert.serialNumber);
    }
    assert.equal(serials.size, 5);
  });
});

describe('CSRs', () => {
  test('a workload CSR names exactly its identity and verifies', async () => {
    const facts = await inspectCsr(await createCsr(await generateKeyPair(), identity));
    assert.equal(facts.commonName, identity.name);
    assert.deepEqual(facts.dnsNames, [identity.name]);
    assert.deepEqual(facts.uris, [identity.spiffeId]);
    assert.deepEqual(facts.otherSans, []);
    assert.equal(facts.keyType, 'ECDSA P-256');
    assert.equal(facts.signatureValid, true);
  });

  test('a tampered CSR is reported, not thrown', async () => {
    const der = await createCsr(await generateKeyPair(), identity);
    der[der.length - 3] = der[der.length - 3]! ^ 0xff;
    assert.equal((await inspectCsr(der)).signatureValid, false);
  });
});
