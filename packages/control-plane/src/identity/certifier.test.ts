import assert from 'node:assert/strict';
import { webcrypto } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { CertifyRefusalCode, CertifyRequest } from '@fusion/mesh-types';
import type { CryptoKeyPair } from '@fusion/pki';
import {
  createCsr,
  createIssuer,
  generateKeyPair,
  mintWorkloadToken,
  TOKEN_ISSUER,
  x509,
} from '@fusion/pki';
import { SignJWT } from 'jose';
import { type Certifier, createCertifier } from './certifier.ts';
import { CertifyRefusal } from './refusal.ts';
import {
  base64,
  createTestPki,
  currentIssuerOf,
  customCsr,
  HOUR_MS,
  signedBy,
  type TestPki,
  workloadRequest,
} from './testing.ts';

const LIFETIME_MS = 24 * HOUR_MS;
const SKEW_MS = 20_000;

let pki: TestPki;
let certifier: Certifier;
let good: { request: CertifyRequest; keys: CryptoKeyPair };

before(async () => {
  pki = await createTestPki();
  certifier = certifierWith(() => currentIssuerOf(pki.issuer, pki.anchor.certPem));
  good = await workloadRequest(pki, 'orders');
});
after(() => pki.remove());

function certifierWith(issuer: Parameters<typeof createCertifier>[0]['issuer'], now?: () => Date) {
  return createCertifier({
    issuer,
    tokenKey: pki.tokenKeys.publicKey,
    trustDomain: pki.trustDomain,
    lifetimeMs: LIFETIME_MS,
    clockSkewMs: SKEW_MS,
    ...(now ? { now } : {}),
  });
}

async function refusal(request: unknown, using = certifier): Promise<CertifyRefusal> {
  const error = await using.certify(request as CertifyRequest).then(
    () => assert.fail('expected a refusal'),
    (e: unknown) => e,
  );
  assert.ok(error instanceof CertifyRefusal, `not a CertifyRefusal: ${error}`);
  return error;
}

async function assertRefused(
  request: unknown,
  code: CertifyRefusalCode,
  fragment: string,
  using = certifier,
): Promise<void> {
  const error = await refusal(request, using);
  assert.equal(error.code, code, error.message);
  assert.ok(error.message.includes(fragment), `'${error.message}' lacks '${fragment}'`);
}

const withCsr = (csr: Uint8Array) => ({
  ...good.request,
  certificate_signing_request: base64(csr),
});

describe('certify: issuing', () => {
  it('signs a leaf for exactly the identity, chained to the issuer, for lifetime + 2 × skew', async () => {
    // Mid-second on purpose: X.509 keeps whole seconds, and the window must still be exact.
    const second = Math.floor(Date.now() / 1000) * 1000;
    const now = new Date(second + 400);
    const issued = await certifierWith(
      () => currentIssuerOf(pki.issuer, pki.anchor.certPem),
      () => now,
    ).certify({ ...good.request, token: await pki.token(pki.identity('orders'), { now }) });
    const leaf = new x509.X509Certificate(Buffer.from(issued.response.leaf_certificate, 'base64'));

    assert.equal(issued.identity, 'orders.default.serviceaccount.identity.mesh.test');
    assert.equal(leaf.notAfter.getTime() - leaf.notBefore.getTime(), LIFETIME_MS + 2 * SKEW_MS);
    assert.equal(leaf.notBefore.getTime(), second - SKEW_MS);
    assert.equal(
      issued.response.valid_until,
      new Date(second + LIFETIME_MS + SKEW_MS).toISOString(),
    );
    assert.equal(issued.notAfter.toISOString(), issued.response.valid_until);
    assert.equal(issued.serial, leaf.serialNumber);
    const names = leaf.getExtension(x509.SubjectAlternativeNameExtension)?.names.toJSON();
    assert.deepEqual(names, [
      { type: 'dns', value: 'orders.default.serviceaccount.identity.mesh.test' },
      { type: 'url', value: 'spiffe://mesh.test/ns/default/sa/orders' },
    ]);
    assert.deepEqual(issued.response.intermediate_certificates, [
      Buffer.from(pki.issuer.cert.rawData).toString('base64'),
    ]);
    assert.ok(await signedBy(leaf, pki.issuer.cert));
    const spki = await webcrypto.subtle.exportKey('spki', good.keys.publicKey);
    assert.deepEqual(Buffer.from(leaf.publicKey.rawData), Buffer.from(spki));
  });

  it('never signs past the issuer: the leaf is cut to end with it', async () => {
    const shortIssuer = await createIssuer(pki.anchor, {
      commonName: 'short.mesh.test',
      lifetimeMs: 2 * HOUR_MS,
    });
    const issued = await certifierWith(() =>
      currentIssuerOf(shortIssuer, pki.anchor.certPem),
    ).certify(good.request);
    assert.ok(new Date(issued.response.valid_until) <= shortIssuer.cert.notAfter);
    assert.ok(new Date(issued.response.valid_until) > new Date(Date.now() + HOUR_MS));
  });
});

describe('certify: refusals, each with its code and the offending value', () => {
  it('malformed-request: not an object, missing fields, bad base64', async () => {
    await assertRefused(null, 'malformed-request', 'JSON object');
    await assertRefused([], 'malformed-request', 'JSON object');
    const { identity: _, ...noIdentity } = good.request;
    await assertRefused(noIdentity, 'malformed-request', "'identity'");
    await assertRefused({ ...good.request, identity: 7 }, 'malformed-request', "'identity'");
    const { token: __, ...noToken } = good.request;
    await assertRefused(noToken, 'malformed-request', "'token' must be a non-empty string");
    await assertRefused(
      { ...good.request, token: 'not base64!' },
      'malformed-request',
      "'token' is not valid base64",
    );
    await assertRefused(
      { ...good.request, certificate_signing_request: 'abc' },
      'malformed-request',
      "'certificate_signing_request' is not valid base64",
    );
  });

  it('identity-invalid: not an identity name, or another trust domain', async () => {
    await assertRefused(
      { ...good.request, identity: 'orders.example.com' },
      'identity-invalid',
      "'orders.example.com' is not of the form",
    );
    await assertRefused(
      { ...good.request, identity: 'orders.default.serviceaccount.identity.other.test' },
      'identity-invalid',
      "trust domain 'other.test', not 'mesh.test'",
    );
  });

  it('token-bad-signature: a token minted with another key', async () => {
    const stranger = await generateKeyPair();
    const token = await mintWorkloadToken(stranger.privateKey, {
      identity: good.request.identity,
      ttlMs: HOUR_MS,
    });
    await assertRefused(
      { ...good.request, token: base64(token) },
      'token-bad-signature',
      'signature is not valid',
    );
  });

  it('token-expired: a token whose expiry has passed', async () => {
    const token = await pki.token(pki.identity('orders'), {
      now: new Date(Date.now() - 3 * HOUR_MS),
      ttlMs: HOUR_MS,
    });
    await assertRefused({ ...good.request, token }, 'token-expired', 'expired');
  });

  it('token-wrong-audience: a well-signed token for another audience', async () => {
    const token = await new SignJWT({})
      .setProtectedHeader({ alg: 'ES256', typ: 'JWT' })
      .setIssuer(TOKEN_ISSUER)
      .setAudience('kubernetes.default.svc')
      .setSubject(good.request.identity)
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(pki.tokenKeys.privateKey);
    await assertRefused(
      { ...good.request, token: base64(token) },
      'token-wrong-audience',
      "audience is not 'identity.fusion.mesh'",
    );
  });

  it('token-malformed: not a JWT, or another issuer (with the reason)', async () => {
    await assertRefused(
      { ...good.request, token: base64('not-a-jwt') },
      'token-malformed',
      'token is malformed',
    );
    const token = await new SignJWT({})
      .setProtectedHeader({ alg: 'ES256' })
      .setIssuer('someone-else')
      .setAudience('identity.fusion.mesh')
      .setSubject(good.request.identity)
      .setExpirationTime('1h')
      .sign(pki.tokenKeys.privateKey);
    await assertRefused(
      { ...good.request, token: base64(token) },
      'token-malformed',
      "issuer is not 'fusion-control-plane'",
    );
  });

  it('token-identity-mismatch: a token for another service than the identity asked', async () => {
    const token = await pki.token(pki.identity('billing'));
    await assertRefused(
      { ...good.request, token },
      'token-identity-mismatch',
      'token is for billing.default.serviceaccount.identity.mesh.test, not orders.default.serviceaccount.identity.mesh.test',
    );
  });

  it('csr-malformed: bytes that are not a CSR', async () => {
    await assertRefused(
      withCsr(new Uint8Array([1, 2, 3, 4])),
      'csr-malformed',
      'not a DER PKCS#10',
    );
  });

  it('csr-bad-signature: one signature byte changed', async () => {
    const der = Buffer.from(good.request.certificate_signing_request, 'base64');
    der[der.length - 1] = der[der.length - 1]! ^ 0x01;
    await assertRefused(withCsr(der), 'csr-bad-signature', 'does not verify');
  });

  it('csr-weak-key: RSA 2048 and ECDSA P-384 keys', async () => {
    const rsa = (await webcrypto.subtle.generateKey(
      {
        name: 'RSASSA-PKCS1-v1_5',
        modulusLength: 2048,
        publicExponent: new Uint8Array([1, 0, 1]),
        hash: 'SHA-256',
      },
      true,
      ['sign', 'verify'],
    )) as CryptoKeyPair;
    const names = sansOf('orders');
    const rsaCsr = await customCsr({
      keys: rsa,
      sans: names,
      signingAlgorithm: { name: 'RSASSA-PKCS1-v1_5' },
    });
    await assertRefused(
      withCsr(rsaCsr),
      'csr-weak-key',
      'RSA 2048 keys are not accepted; the mesh requires ECDSA P-256',
    );
    const p384 = (await webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-384' }, true, [
      'sign',
      'verify',
    ])) as CryptoKeyPair;
    const p384Csr = await customCsr({
      keys: p384,
      sans: names,
      signingAlgorithm: { name: 'ECDSA', hash: 'SHA-384' },
    });
    await assertRefused(withCsr(p384Csr), 'csr-weak-key', 'ECDSA P-384 keys are not accepted');
  });

  it('csr-san-mismatch: another identity, an extra DNS name, an IP, a stray URI, a stray CN', async () => {
    const keys = good.keys;
    const other = await createCsr(keys, pki.identity('billing'));
    await assertRefused(
      withCsr(other),
      'csr-san-mismatch',
      'unexpected SAN DNS:billing.default.serviceaccount.identity.mesh.test',
    );
    const extraDns = await customCsr({
      keys,
      sans: [...sansOf('orders'), { type: 'dns', value: 'orders.example.com' }],
    });
    await assertRefused(
      withCsr(extraDns),
      'csr-san-mismatch',
      'unexpected SAN DNS:orders.example.com',
    );
    const ip = await customCsr({
      keys,
      sans: [...sansOf('orders'), { type: 'ip', value: '10.0.0.7' }],
    });
    await assertRefused(withCsr(ip), 'csr-san-mismatch', 'unexpected SAN ip:10.0.0.7');
    const uri = await customCsr({
      keys,
      sans: [
        sansOf('orders')[0]!,
        { type: 'url', value: 'spiffe://mesh.test/ns/default/sa/billing' },
      ],
    });
    await assertRefused(
      withCsr(uri),
      'csr-san-mismatch',
      'unexpected SAN URI:spiffe://mesh.test/ns/default/sa/billing',
    );
    const noDns = await customCsr({ keys, sans: [sansOf('orders')[1]!] });
    await assertRefused(withCsr(noDns), 'csr-san-mismatch', 'CSR has no DNS SAN');
    const cn = await customCsr({ keys, commonName: 'admin', sans: sansOf('orders') });
    await assertRefused(withCsr(cn), 'csr-san-mismatch', "common name 'admin'");
  });

  it('accepts a CSR with only the DNS SAN and no CN (Linkerd proxies send that)', async () => {
    const csr = await customCsr({ keys: good.keys, sans: [sansOf('orders')[0]!] });
    const issued = await certifier.certify(withCsr(csr));
    assert.equal(issued.identity, good.request.identity);
  });

  it('issuer-unavailable: no issuer loaded, or the issuer has expired', async () => {
    await assertRefused(
      good.request,
      'issuer-unavailable',
      'no issuer is loaded',
      certifierWith(() => undefined),
    );
    const later = new Date(pki.issuer.cert.notAfter.getTime() + HOUR_MS);
    const token = await pki.token(pki.identity('orders'), { now: later });
    await assertRefused(
      { ...good.request, token },
      'issuer-unavailable',
      `expires at ${pki.issuer.cert.notAfter.toISOString()}`,
      certifierWith(
        () => currentIssuerOf(pki.issuer, pki.anchor.certPem),
        () => later,
      ),
    );
  });

  it('checks in a fixed order: a bad token is reported before a bad CSR', async () => {
    const token = await pki.token(pki.identity('billing'));
    const error = await refusal({
      ...good.request,
      token,
      certificate_signing_request: base64('x'),
    });
    assert.equal(error.code, 'token-identity-mismatch');
    assert.equal(error.status, 403);
    assert.deepEqual(error.toBody().error.code, 'token-identity-mismatch');
  });
});

function sansOf(service: string): { type: 'dns' | 'url'; value: string }[] {
  const identity = pki.identity(service);
  return [
    { type: 'dns', value: identity.name },
    { type: 'url', value: identity.spiffeId },
  ];
}
