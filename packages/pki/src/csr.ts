/** Certificate signing requests: made by workloads, inspected by the identity service. */
import type { WorkloadIdentity } from './names.ts';
import type { Algorithm, CryptoKeyPair } from './provider.ts';
import { EC_SIGNING_ALGORITHM, x509 } from './provider.ts';

const SUBJECT_ALT_NAME_OID = '2.5.29.17';

/** A CSR for exactly `identity` (its DNS name and SPIFFE ID), signed by `keys`. DER bytes. */
export async function createCsr(
  keys: CryptoKeyPair,
  identity: WorkloadIdentity,
): Promise<Uint8Array> {
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: `CN=${identity.name}`,
    keys,
    signingAlgorithm: EC_SIGNING_ALGORITHM,
    extensions: [
      new x509.SubjectAlternativeNameExtension([
        { type: 'dns', value: identity.name },
        { type: 'url', value: identity.spiffeId },
      ]),
    ],
  });
  return new Uint8Array(csr.rawData);
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
    signatureValid: await csr.verify().catch(() => false),
  };
}

function describeKey(algorithm: Algorithm): string {
  const a = algorithm as Algorithm & { namedCurve?: string; modulusLength?: number };
  if (a.name === 'ECDSA' || a.name === 'ECDH') return `ECDSA ${a.namedCurve ?? 'unknown curve'}`;
  if (a.modulusLength) return `RSA ${a.modulusLength}`;
  return a.name;
}
