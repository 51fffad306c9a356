/** Certificate signing requests: made by workloads, inspected by the identity service. */
import { KeyObject, sign, verify } from 'node:crypto';
import { Attributes, CertificationRequest, CertificationRequestInfo } from '@peculiar/asn1-csr';
import { id_ecdsaWithSHA256 } from '@peculiar/asn1-ecc';
import { AsnConvert } from '@peculiar/asn1-schema';
import * as asn from '@peculiar/asn1-x509';
import { splitSigned } from './der.ts';
import type { WorkloadIdentity } from './names.ts';
import type { Algorithm, CryptoKeyPair } from './provider.ts';
import { subtle, x509 } from './provider.ts';

const SUBJECT_ALT_NAME_OID = '2.5.29.17';

const EXTENSION_REQUEST_OID = '1.2.840.113549.1.9.14';

/**
 * A CSR for exactly `identity` (its DNS name and SPIFFE ID), signed by `keys`. DER bytes.
 * Assembled from ASN.1 objects and signed with node:crypto: a workload makes one per renewal,
 * and this costs a third of the generic generator.
 */
export async function createCsr(
  keys: CryptoKeyPair,
  identity: WorkloadIdentity,
): Promise<Uint8Array> {
  const san = new x509.SubjectAlternativeNameExtension([
    { type: 'dns', value: identity.name },
    { type: 'url', value: identity.spiffeId },
  ]);
  const extensions = new asn.Extensions([AsnConvert.parse(san.rawData, asn.Extension)]);
  const info = new CertificationRequestInfo({
    version: 0,
    subject: AsnConvert.parse(new x509.Name(`CN=${identity.name}`).toArrayBuffer(), asn.Name),
    subjectPKInfo: AsnConvert.parse(
      await subtle.exportKey('spki', keys.publicKey),
      asn.SubjectPublicKeyInfo,
    ),
    attributes: new Attributes([
      new asn.Attribute({
        type: EXTENSION_REQUEST_OID,
        values: [AsnConvert.serialize(extensions)],
      }),
    ]),
  });
  const infoDer = Buffer.from(AsnConvert.serialize(info));
  const key = KeyObject.from(keys.privateKey as unknown as Parameters<typeof KeyObject.from>[0]);
  const signature = sign('sha256', infoDer, { key, dsaEncoding: 'der' });
  const request = new CertificationRequest({
    certificationRequestInfo: info,
    signatureAlgorithm: new asn.AlgorithmIdentifier({ algorithm: id_ecdsaWithSHA256 }),
    signature: new Uint8Array(signature).buffer,
  });
  return new Uint8Array(AsnConvert.serialize(request));
}

export interface CsrFacts {
  readonly csr: x509.Pkcs10CertificateRequest;
  /** The subject's common name, or undefined when there is none. */
  readonly commonName: string | undefined;
  readonly dnsNames: readonly string[];
  readonly uris: readonly string[];
  /** SANs of any other kind (IP, email, …): the mesh never asks for those. */
  readonly otherSans: readonly string[];
  /** e.g. `ECDSA P-256`, `ECDSA P-384`, `RSA 2048`, or the algorithm's name. */
  readonly keyType: string;
  readonly signatureValid: boolean;
}

/** Parses and checks a CSR; throws only when the bytes are not a CSR at all. */
export async function inspectCsr(der: Uint8Array): Promise<CsrFacts> {
  const csr = new x509.Pkcs10CertificateRequest(der);
  // On a CSR, getExtension takes an OID (the class overload exists only on certificates).
  const raw = csr.getExtension(SUBJECT_ALT_NAME_OID);
  const san = raw ? new x509.SubjectAlternativeNameExtension(raw.rawData) : undefined;
  const entries = san?.names.toJSON() ?? [];
  const commonName = csr.subjectName.getField('CN')[0];
  return {
    csr,
    commonName,
    dnsNames: entries.filter((e) => e.type === 'dns').map((e) => e.value),
    uris: entries.filter((e) => e.type === 'url').map((e) => e.value),
    otherSans: entries
      .filter((e) => e.type !== 'dns' && e.type !== 'url')
      .map((e) => `${e.type}:${e.value}`),
    keyType: describeKey(csr.publicKey.algorithm),
    signatureValid: verifySignature(der, csr),
  };
}

/**
 * Checks the CSR's self-signature with node:crypto over the exact signed bytes: a third of the
 * cost of the library's WebCrypto path, and this runs for every certificate issued.
 */
function verifySignature(der: Uint8Array, csr: x509.Pkcs10CertificateRequest): boolean {
  try {
    const { toBeSigned, signature } = splitSigned(der);
    const key = { key: Buffer.from(csr.publicKey.rawData), format: 'der', type: 'spki' } as const;
    const algorithm =
      csr.publicKey.algorithm.name === 'ECDSA' ? { ...key, dsaEncoding: 'der' as const } : key;
    const hash = csr.signatureAlgorithm.hash.name.replace('-', '').toLowerCase(); // SHA-256 → sha256
    return verify(hash, toBeSigned, algorithm, signature);
  } catch {
    return false;
  }
}

function describeKey(algorithm: Algorithm): string {
  const a = algorithm as Algorithm & { namedCurve?: string; modulusLength?: number };
  if (a.name === 'ECDSA' || a.name === 'ECDH') return `ECDSA ${a.namedCurve ?? 'unknown curve'}`;
  if (a.modulusLength) return `RSA ${a.modulusLength}`;
  return a.name;
}
