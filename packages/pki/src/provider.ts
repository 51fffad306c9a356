/**
 * The one place @peculiar/x509 is set up. Version 2 resolves its ASN.1 classes through
 * decorators and needs the Reflect metadata polyfill loaded before it; every file of this
 * package imports x509 from here so the order can never be wrong.
 */
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

export { x509 };
export const subtle = webcrypto.subtle;

/** ECDSA over P-256 with SHA-256: the only key and signature type of the mesh (as Linkerd). */
export const EC_KEY_ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256' } as const;
export const EC_SIGNING_ALGORITHM = { name: 'ECDSA', hash: 'SHA-256' } as const;

// WebCrypto's types, named as the DOM names them (our tsconfig has no DOM library).
export type CryptoKey = webcrypto.CryptoKey;
export type CryptoKeyPair = webcrypto.CryptoKeyPair;
export type Algorithm = webcrypto.Algorithm;
