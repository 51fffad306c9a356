/**
 * Checks a trust anchor bundle and an issuer before they are used: parsing, CA flags, the
 * chain, that the key is the certificate's, and expiry. Each problem has a stable code and a
 * sentence that names the file's role, so `fusion identity init` and `fusion check` can say
 * exactly what is wrong.
 */
import { X509Certificate as NodeX509Certificate } from 'node:crypto';
import { DAY_MS } from './ca.ts';
import { privateKeyFromPem, publicKeyOf } from './keys.ts';
import { fromPemAll } from './pem.ts';
import type { Algorithm, CryptoKey } from './provider.ts';
import { subtle, x509 } from './provider.ts';

export interface PkiProblem {
  readonly severity: 'error' | 'warning';
  readonly code: string;
  readonly message: string;
}

export interface IssuerCheckInput {
  readonly anchorsPem: string;
  readonly issuerCertPem: string;
  readonly issuerKeyPem: string;
  readonly now?: Date;
  /** Warn when the issuer or an anchor expires sooner than this (Linkerd's check: 60 days). */
  readonly warnWithinMs?: number;
}

export function parseCertificates(pem: string): x509.X509Certificate[] {
  return fromPemAll(pem, 'CERTIFICATE').map((der) => new x509.X509Certificate(der));
}

export async function validateIssuer(input: IssuerCheckInput): Promise<PkiProblem[]> {
  const problems: PkiProblem[] = [];
  const error = (code: string, message: string) =>
    problems.push({ severity: 'error', code, message });
  const now = input.now ?? new Date();
  const warnWithinMs = input.warnWithinMs ?? 60 * DAY_MS;

  const anchors = tryParse(input.anchorsPem, 'trust anchor', error);
  const issuer = tryParse(input.issuerCertPem, 'issuer certificate', error)?.[0];
  if (!anchors || !issuer) return problems;

  for (const anchor of anchors) {
    if (!isCa(anchor))
      error(
        'anchor-not-ca',
        `trust anchor '${anchor.subject}' is not a CA certificate (basicConstraints CA:TRUE with keyCertSign)`,
      );
    if (!(await anchor.isSelfSigned()))
      error('anchor-not-self-signed', `trust anchor '${anchor.subject}' is not self-signed`);
    checkValidity(anchor, 'trust anchor', now, warnWithinMs, problems);
  }
  if (!isCa(issuer))
    error(
      'issuer-not-ca',
      `issuer '${issuer.subject}' is not a CA certificate (basicConstraints CA:TRUE with keyCertSign)`,
    );
  checkKeyType(issuer, error);
  checkValidity(issuer, 'issuer', now, warnWithinMs, problems);
  if (!(await signedByAny(issuer, anchors))) {
    error(
      'issuer-not-chained',
      `issuer '${issuer.subject}' (issued by '${issuer.issuer}') is not signed by any trust anchor in the bundle`,
    );
  }
  await checkKeyMatch(issuer, input.issuerKeyPem, error);
  return problems;
}

/**
 * Whether `cert` carries a signature of one of `anchors` (and names it as issuer). Checked with
 * node:crypto's native X509Certificate: a tenth of the cost of WebCrypto, and every certificate
 * a workload receives goes through here twice.
 */
export async function signedByAny(
  cert: x509.X509Certificate,
  anchors: readonly x509.X509Certificate[],
): Promise<boolean> {
  const native = new NodeX509Certificate(Buffer.from(cert.rawData));
  for (const anchor of anchors) {
    if (cert.issuer !== anchor.subject) continue;
    const signer = new NodeX509Certificate(Buffer.from(anchor.rawData));
    try {
      if (native.verify(signer.publicKey)) return true;
    } catch {
      // An unsupported key type is simply not a match.
    }
  }
  return false;
}

function tryParse(pem: string, role: string, error: (code: string, message: string) => void) {
  try {
    const certs = parseCertificates(pem);
    if (certs.length === 0) {
      error(`${slug(role)}-missing`, `${role}: no PEM certificate found`);
      return undefined;
    }
    return certs;
  } catch (e) {
    error(`${slug(role)}-unparsable`, `${role} cannot be parsed: ${(e as Error).message}`);
    return undefined;
  }
}

function isCa(cert: x509.X509Certificate): boolean {
  const constraints = cert.getExtension(x509.BasicConstraintsExtension);
  const usage = cert.getExtension(x509.KeyUsagesExtension);
  const canSign = usage ? (usage.usages & x509.KeyUsageFlags.keyCertSign) !== 0 : true;
  return !!constraints?.ca && canSign;
}

function checkKeyType(
  cert: x509.X509Certificate,
  error: (code: string, message: string) => void,
): void {
  const algorithm = cert.publicKey.algorithm as Algorithm & { namedCurve?: string };
  if (algorithm.name !== 'ECDSA' || algorithm.namedCurve !== 'P-256') {
    error(
      'issuer-key-type',
      `issuer key is ${algorithm.name} ${algorithm.namedCurve ?? ''}`.trim() +
        '; the mesh requires ECDSA P-256',
    );
  }
}

function checkValidity(
  cert: x509.X509Certificate,
  role: string,
  now: Date,
  warnWithinMs: number,
  problems: PkiProblem[],
): void {
  const code = slug(role);
  if (cert.notAfter.getTime() <= now.getTime()) {
    problems.push({
      severity: 'error',
      code: `${code}-expired`,
      message: `${role} '${cert.subject}' expired at ${cert.notAfter.toISOString()}`,
    });
  } else if (cert.notBefore.getTime() > now.getTime()) {
    problems.push({
      severity: 'error',
      code: `${code}-not-yet-valid`,
      message: `${role} '${cert.subject}' is not valid until ${cert.notBefore.toISOString()} (check the clock)`,
    });
  } else if (cert.notAfter.getTime() - now.getTime() < warnWithinMs) {
    const days = Math.floor((cert.notAfter.getTime() - now.getTime()) / DAY_MS);
    problems.push({
      severity: 'warning',
      code: `${code}-expiring`,
      message: `${role} '${cert.subject}' expires in ${days} days (${cert.notAfter.toISOString()}); rotate it`,
    });
  }
}

async function checkKeyMatch(
  cert: x509.X509Certificate,
  keyPem: string,
  error: (code: string, message: string) => void,
): Promise<void> {
  let key: CryptoKey;
  try {
    key = await privateKeyFromPem(keyPem);
  } catch (e) {
    error(
      'issuer-key-unparsable',
      `issuer key cannot be read as an ECDSA P-256 private key: ${(e as Error).message}`,
    );
    return;
  }
  const fromKey = await subtle.exportKey('spki', await publicKeyOf(key));
  const fromCert = cert.publicKey.rawData;
  if (!Buffer.from(fromKey).equals(Buffer.from(fromCert))) {
    error(
      'issuer-key-mismatch',
      `issuer key does not belong to the issuer certificate '${cert.subject}'`,
    );
  }
}

function slug(role: string): string {
  return role.replace(/ certificate$/, '').replace(/\s+/g, '-');
}
