/**
 * Certificates as a workload needs them: parsed and checked by node:crypto (OpenSSL, already in
 * the process for TLS), never by an ASN.1 library. A sidecar only reads its anchors and the
 * chain the identity service returns; loading @peculiar/x509 for that cost ~240 ms of its start
 * (docs/performance.md, "Sidecar start-up").
 */
import { X509Certificate } from 'node:crypto';
import { dnsNamesOf } from './peer-identity.ts';

export interface MeshCertificate {
  /** Node's parsed certificate (for verify, checkIssued, publicKey). */
  readonly native: X509Certificate;
  readonly der: Buffer;
  /** PEM, without a trailing newline. */
  readonly pem: string;
  readonly subject: string;
  readonly issuer: string;
  /** Lowercase hex, as the issuer wrote it (the mesh's serials are minimal DER). */
  readonly serial: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
  readonly dnsNames: readonly string[];
}

/** Parses one DER certificate; throws when the bytes are not one. */
export function parseCertificate(der: Uint8Array): MeshCertificate {
  const native = new X509Certificate(der);
  return {
    native,
    der: native.raw,
    pem: native.toString().trim(),
    subject: native.subject,
    issuer: native.issuer,
    serial: native.serialNumber.toLowerCase(),
    notBefore: new Date(native.validFrom),
    notAfter: new Date(native.validTo),
    dnsNames: dnsNamesOf({ subjectaltname: native.subjectAltName ?? '' }),
  };
}

const PEM_BLOCK = /-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/g;

/** Every certificate in a PEM bundle, in order; throws when a block is not a certificate. */
export function parsePemCertificates(pem: string): MeshCertificate[] {
  return [...pem.matchAll(PEM_BLOCK)].map((block) =>
    parseCertificate(Buffer.from(block[1]!.replace(/\s+/g, ''), 'base64')),
  );
}

/** Whether `issuer` signed `cert` (names and signature both). */
export function signedBy(cert: MeshCertificate, issuer: MeshCertificate): boolean {
  try {
    return cert.native.checkIssued(issuer.native) && cert.native.verify(issuer.native.publicKey);
  } catch {
    // An unsupported key type is simply not a match.
    return false;
  }
}

export function signedByAny(cert: MeshCertificate, anchors: readonly MeshCertificate[]): boolean {
  return anchors.some((anchor) => signedBy(cert, anchor));
}
