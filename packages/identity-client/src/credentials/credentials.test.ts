import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { inspect } from 'node:util';
import { generateKeyPair, parseIdentityName, privateKeyToPem, signLeaf, x509 } from '@fusion/pki';
import { createTestPki, KERNEL } from '../testing/index.ts';
import { parseCertificate } from './certificate.ts';
import { createCredentials } from './credentials.ts';
import { checkPeerIdentity, dnsNamesOf, PeerIdentityError } from './peer-identity.ts';

async function sampleCredentials() {
  const pki = await createTestPki();
  const keys = await generateKeyPair();
  const issued = await signLeaf(pki.issuer, {
    publicKey: await x509.PublicKey.create(keys.publicKey),
    identity: parseIdentityName(KERNEL)!,
    lifetimeMs: 60_000,
    clockSkewMs: 0,
  });
  const keyPem = await privateKeyToPem(keys.privateKey);
  const credentials = createCredentials({
    identity: KERNEL,
    keyPem,
    leaf: parseCertificate(issued.der),
    intermediates: [parseCertificate(new Uint8Array(pki.issuer.cert.rawData))],
    trustAnchorsPem: pki.anchorsPem,
    obtainedAt: new Date(1_000),
  });
  return { pki, issued, keyPem, credentials };
}

describe('Credentials', () => {
  it('presents the leaf then the issuer, with the anchors as CA and TLS 1.3 only', async () => {
    const { pki, issued, keyPem, credentials } = await sampleCredentials();
    const options = credentials.secureContextOptions();
    assert.equal(options.key, keyPem);
    assert.equal(options.ca, pki.anchorsPem);
    assert.equal(options.minVersion, 'TLSv1.3');
    const blocks = String(options.cert).match(/-----BEGIN CERTIFICATE-----/g);
    assert.equal(blocks?.length, 2);
    assert.ok(String(options.cert).startsWith(issued.cert.toString('pem')));
    assert.equal(credentials.serial, issued.serial);
    assert.equal(credentials.validUntil.getTime(), issued.notAfter.getTime());
  });

  it('keeps the key out of JSON, util.inspect and object spreads (so out of log files)', async () => {
    const { credentials } = await sampleCredentials();
    assert.match(credentials.keyPem, /BEGIN PRIVATE KEY/);
    for (const text of [
      JSON.stringify(credentials),
      JSON.stringify({ ...credentials }),
      inspect(credentials, { depth: 5, showHidden: true }),
    ]) {
      assert.ok(!text.includes('PRIVATE KEY'), text);
    }
    assert.deepEqual(Object.keys(JSON.parse(JSON.stringify(credentials))), [
      'identity',
      'serial',
      'validUntil',
      'obtainedAt',
    ]);
  });
});

describe('checkPeerIdentity', () => {
  const san = `DNS:${KERNEL}, URI:spiffe://cluster.local/ns/default/sa/ai-kernel`;

  it('reads DNS names from Node’s subjectaltname text', () => {
    assert.deepEqual(dnsNamesOf({ subjectaltname: san }), [KERNEL]);
    assert.deepEqual(dnsNamesOf({ subjectaltname: 'DNS:a, IP Address:127.0.0.1, DNS:b' }), [
      'a',
      'b',
    ]);
    assert.deepEqual(dnsNamesOf({ subjectaltname: '' }), []);
  });

  it('accepts a certificate naming the expected identity and refuses any other', () => {
    assert.equal(checkPeerIdentity(KERNEL, { subjectaltname: san }), undefined);
    const error = checkPeerIdentity('other.default.serviceaccount.identity.cluster.local', {
      subjectaltname: san,
    });
    assert.ok(error instanceof PeerIdentityError);
    assert.equal(error.code, 'peer-identity-mismatch');
    assert.match(error.message, new RegExp(`'${KERNEL}'.*'other\\.default`));
  });

  it('does not accept a SPIFFE URI or a name that merely contains the identity', () => {
    assert.ok(
      checkPeerIdentity('spiffe://cluster.local/ns/default/sa/ai-kernel', { subjectaltname: san }),
    );
    assert.ok(checkPeerIdentity('kernel.default', { subjectaltname: san }));
  });
});
