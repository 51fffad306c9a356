/** Key pairs: ECDSA P-256, made with WebCrypto so they can sign certificates and CSRs. */
import { createPrivateKey } from 'node:crypto';
import { fromPem, toPem } from './pem.ts';
import type { CryptoKey, CryptoKeyPair } from './provider.ts';
import { EC_KEY_ALGORITHM, subtle } from './provider.ts';

/**
 * A fresh P-256 key pair. Extractable because Node's TLS stack takes keys as PEM; callers
 * keep that PEM in memory (workloads) or write it 0600 (the control plane's CA keys).
 */
export function generateKeyPair(): Promise<CryptoKeyPair> {
  return subtle.generateKey(EC_KEY_ALGORITHM, true, ['sign', 'verify']) as Promise<CryptoKeyPair>;
}

export async function privateKeyToPem(key: CryptoKey): Promise<string> {
  return toPem('PRIVATE KEY', await subtle.exportKey('pkcs8', key));
}

/** Imports a PKCS#8 P-256 private key; "EC PRIVATE KEY" (SEC1) files are converted first. */
export async function privateKeyFromPem(pem: string): Promise<CryptoKey> {
  const pkcs8 = pem.includes('BEGIN EC PRIVATE KEY')
    ? sec1ToPkcs8(pem)
    : fromPem(pem, 'PRIVATE KEY');
  return subtle.importKey('pkcs8', pkcs8, EC_KEY_ALGORITHM, true, ['sign']);
}

/** The public half of a private key, as an importable CryptoKey. */
export async function publicKeyOf(privateKey: CryptoKey): Promise<CryptoKey> {
  const jwk = await subtle.exportKey('jwk', privateKey);
  const { d: _private, ...publicJwk } = jwk;
  return subtle.importKey('jwk', { ...publicJwk, key_ops: ['verify'] }, EC_KEY_ALGORITHM, true, [
    'verify',
  ]);
}

function sec1ToPkcs8(pem: string): Uint8Array {
  // Node's KeyObject reads SEC1 and writes PKCS#8; WebCrypto reads only PKCS#8.
  return new Uint8Array(createPrivateKey(pem).export({ type: 'pkcs8', format: 'der' }));
}

export async function publicKeyToPem(key: CryptoKey): Promise<string> {
  return toPem('PUBLIC KEY', await subtle.exportKey('spki', key));
}
