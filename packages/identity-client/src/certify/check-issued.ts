/**
 * Checks what the identity service issued before we present it to anyone. The service is
 * trusted, but a certificate for the wrong key or name, or one that does not chain to our
 * anchors, would only fail later at a peer's handshake, far from the cause; refusing it here
 * keeps the old credentials in service and says exactly what was wrong.
 */
import type { KeyObject } from 'node:crypto';
import type { CertifyResponse } from '@fusion/mesh-types';
import {
  type Credentials,
  createCredentials,
  type MeshCertificate,
  parseCertificate,
  signedByAny,
} from '../credentials/index.ts';
import { CertifyError } from './errors.ts';

export interface IssuedExpectations {
  readonly identity: string;
  readonly publicKey: KeyObject;
  readonly keyPem: string;
  readonly trustAnchorsPem: string;
  readonly anchors: readonly MeshCertificate[];
  readonly now: number;
}

export function credentialsFromResponse(
  reply: CertifyResponse,
  expect: IssuedExpectations,
): Credentials {
  const leaf = decodeCertificate(reply.leaf_certificate, 'leaf_certificate');
  const intermediates = reply.intermediate_certificates.map((der, i) =>
    decodeCertificate(der, `intermediate_certificates[${i}]`),
  );

  const ours = expect.publicKey.export({ type: 'spki', format: 'der' });
  if (!ours.equals(leaf.native.publicKey.export({ type: 'spki', format: 'der' }))) {
    throw new CertifyError(
      'leaf-key-mismatch',
      `the issued certificate (serial ${leaf.serial}) is for a different key than the one in our CSR`,
    );
  }

  const names = leaf.dnsNames;
  if (names.length !== 1 || names[0] !== expect.identity) {
    throw new CertifyError(
      'leaf-identity-mismatch',
      `the issued certificate names ${names.map((n) => `'${n}'`).join(', ') || 'no DNS name'} but '${expect.identity}' was asked for`,
    );
  }

  const chain = [leaf, ...intermediates];
  for (let i = 0; i + 1 < chain.length; i++) {
    if (!signedByAny(chain[i]!, [chain[i + 1]!])) {
      throw new CertifyError(
        'leaf-untrusted',
        `the issued chain is broken: '${chain[i]!.subject}' is not signed by '${chain[i + 1]!.subject}'`,
      );
    }
  }
  const top = chain[chain.length - 1]!;
  if (!signedByAny(top, expect.anchors)) {
    throw new CertifyError(
      'leaf-untrusted',
      `the issued chain ends at '${top.subject}' (issued by '${top.issuer}'), which no trust anchor signed`,
    );
  }

  if (leaf.notAfter.getTime() <= expect.now) {
    throw new CertifyError(
      'leaf-expired',
      `the issued certificate expired at ${leaf.notAfter.toISOString()} (check the clocks)`,
    );
  }

  return createCredentials({
    identity: expect.identity,
    keyPem: expect.keyPem,
    leaf,
    intermediates,
    trustAnchorsPem: expect.trustAnchorsPem,
    obtainedAt: new Date(expect.now),
  });
}

function decodeCertificate(base64: unknown, field: string): MeshCertificate {
  if (typeof base64 !== 'string' || base64.length === 0) {
    throw new CertifyError('bad-response', `identity service reply has no ${field}`);
  }
  try {
    return parseCertificate(Buffer.from(base64, 'base64'));
  } catch (error) {
    throw new CertifyError(
      'bad-response',
      `identity service reply's ${field} is not a DER certificate: ${(error as Error).message}`,
      { cause: error },
    );
  }
}
