import assert from 'node:assert/strict';
import { generateKeyPairSync, KeyObject } from 'node:crypto';
import { describe, it } from 'node:test';
import { createCsr, generateKeyPair, inspectCsr, workloadIdentity } from '@fusion/pki';
import { createWorkloadCsr } from './csr.ts';

const identity = workloadIdentity('ai-kernel', 'default', 'cluster.local');

/** The CertificationRequestInfo (the signed part): the first element inside the outer SEQUENCE. */
function signedPart(der: Uint8Array): Buffer {
  const bytes = Buffer.from(der);
  const skipHeader = (at: number) => {
    const first = bytes[at + 1]!;
    const count = first & 0x80 ? first & 0x7f : 0;
    let length = count ? 0 : first;
    for (let i = 0; i < count; i++) length = length * 256 + bytes[at + 2 + i]!;
    return { content: at + 2 + count, end: at + 2 + count + length };
  };
  const info = skipHeader(skipHeader(0).content);
  return bytes.subarray(skipHeader(0).content, info.end);
}

describe('createWorkloadCsr', () => {
  it('is what the identity service accepts: our names, a P-256 key, a valid signature', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const facts = await inspectCsr(createWorkloadCsr(privateKey, publicKey, identity));
    assert.equal(facts.commonName, identity.name);
    assert.deepEqual(facts.dnsNames, [identity.name]);
    assert.deepEqual(facts.uris, [identity.spiffeId]);
    assert.deepEqual(facts.otherSans, []);
    assert.equal(facts.keyType, 'ECDSA P-256');
    assert.equal(facts.signatureValid, true);
    assert.ok(
      Buffer.from(facts.csr.publicKey.rawData).equals(
        publicKey.export({ type: 'spki', format: 'der' }),
      ),
    );
  });

  it('signs the same bytes as the ASN.1 library does for the same key and identity', async () => {
    const keys = await generateKeyPair();
    const ours = createWorkloadCsr(
      KeyObject.from(keys.privateKey as unknown as Parameters<typeof KeyObject.from>[0]),
      KeyObject.from(keys.publicKey as unknown as Parameters<typeof KeyObject.from>[0]),
      identity,
    );
    const library = await createCsr(keys, identity);
    assert.ok(signedPart(ours).equals(signedPart(library)));
  });

  it('writes long-form DER lengths for names past 127 bytes', async () => {
    const long = workloadIdentity('a'.repeat(60), 'b'.repeat(60), 'c'.repeat(80));
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const facts = await inspectCsr(createWorkloadCsr(privateKey, publicKey, long));
    assert.deepEqual(facts.dnsNames, [long.name]);
    assert.deepEqual(facts.uris, [long.spiffeId]);
    assert.equal(facts.signatureValid, true);
  });
});
