/**
 * A throwaway mesh PKI for tests: anchor → issuer, a token signing key, and certificates for
 * TLS servers that play the identity service. Made fresh per test file so no test trusts
 * another's anchors by accident.
 */
import type { CertifiedKey, CryptoKeyPair } from '@fusion/pki';
import {
  createIssuer,
  createTrustAnchor,
  generateKeyPair,
  mintWorkloadToken,
  parseIdentityName,
  privateKeyToPem,
  signLeaf,
  x509,
} from '@fusion/pki';

export interface TestPki {
  readonly anchor: CertifiedKey;
  readonly issuer: CertifiedKey;
  readonly anchorsPem: string;
  readonly tokenKeys: CryptoKeyPair;
  /** A valid workload token vouching for `identity`. */
  mintToken(identity: string, ttlMs?: number): Promise<string>;
  /** Key and chain (leaf + issuer) for a server whose certificate names `identity`. */
  serverCredentials(identity: string): Promise<{ keyPem: string; certChainPem: string }>;
}

export async function createTestPki(trustDomain = 'cluster.local'): Promise<TestPki> {
  const anchor = await createTrustAnchor({ commonName: `root.${trustDomain}` });
  const issuer = await createIssuer(anchor, { commonName: `identity.${trustDomain}` });
  const tokenKeys = await generateKeyPair();
  return {
    anchor,
    issuer,
    anchorsPem: anchor.certPem,
    tokenKeys,
    mintToken: (identity, ttlMs = 3_600_000) =>
      mintWorkloadToken(tokenKeys.privateKey, { identity, ttlMs }),
    serverCredentials: (identity) => issueFor(issuer, identity, 3_600_000),
  };
}

/** A key and a leaf for `identity` signed by `issuer`, the chain as a TLS server presents it. */
export async function issueFor(
  issuer: CertifiedKey,
  identity: string,
  lifetimeMs: number,
): Promise<{ keyPem: string; certChainPem: string }> {
  const workload = parseIdentityName(identity);
  if (!workload) throw new Error(`test PKI: '${identity}' is not an identity name`);
  const keys = await generateKeyPair();
  const leaf = await signLeaf(issuer, {
    publicKey: await x509.PublicKey.create(keys.publicKey),
    identity: workload,
    lifetimeMs,
    clockSkewMs: 0,
  });
  return {
    keyPem: await privateKeyToPem(keys.privateKey),
    certChainPem: `${leaf.cert.toString('pem')}\n${issuer.certPem}`,
  };
}
