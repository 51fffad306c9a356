/**
 * The PKI directory `fusion identity init` writes, and reading the issuer out of it. Loading is
 * all-or-nothing: the anchors, the issuer certificate and its key are validated together, so
 * a half-written rotation (new certificate, old key) is refused rather than half used.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { CryptoKey, PkiProblem } from '@fusion/pki';
import {
  certificateToPem,
  importTokenVerificationKey,
  parseCertificates,
  privateKeyFromPem,
  validateIssuer,
  type x509,
} from '@fusion/pki';

/** File names inside the PKI directory. `ca.key` and `token.key` are there too, never read here. */
export const PKI_FILES = {
  anchors: 'ca.crt',
  issuerCert: 'issuer.crt',
  issuerKey: 'issuer.key',
  tokenPublicKey: 'token.pub',
} as const;

/** The issuer in force: what the certifier signs with and the server chains its own cert to. */
export interface CurrentIssuer {
  readonly cert: x509.X509Certificate;
  readonly key: CryptoKey;
  readonly certPem: string;
  /** DER, base64: the `intermediate_certificates` entry of every response. */
  readonly certBase64: string;
  readonly anchorsPem: string;
  readonly subject: string;
  readonly serial: string;
  readonly notAfter: Date;
  /** Digest of the three files, to tell a real change from a touch or an unrelated event. */
  readonly digest: string;
}

export type IssuerLoad =
  | { readonly ok: true; readonly issuer: CurrentIssuer; readonly warnings: PkiProblem[] }
  | { readonly ok: false; readonly digest: string; readonly problems: PkiProblem[] };

/** Reads and validates the issuer in `dir`; never throws. */
export async function loadIssuer(dir: string, now?: Date): Promise<IssuerLoad> {
  const problems: PkiProblem[] = [];
  const read = async (name: string) => {
    try {
      return await readFile(join(dir, name), 'utf8');
    } catch (error) {
      const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
      problems.push({
        severity: 'error',
        code: 'file-unreadable',
        message: `cannot read ${join(dir, name)}: ${reason}`,
      });
      return '';
    }
  };
  const anchorsPem = await read(PKI_FILES.anchors);
  const certPem = await read(PKI_FILES.issuerCert);
  const keyPem = await read(PKI_FILES.issuerKey);
  const digest = createHash('sha256')
    .update(anchorsPem)
    .update('\0')
    .update(certPem)
    .update('\0')
    .update(keyPem)
    .digest('hex');
  if (problems.length > 0) return { ok: false, digest, problems };

  const checked = await validateIssuer({
    anchorsPem,
    issuerCertPem: certPem,
    issuerKeyPem: keyPem,
    ...(now ? { now } : {}),
  });
  const errors = checked.filter((p) => p.severity === 'error');
  if (errors.length > 0) return { ok: false, digest, problems: errors };

  // validateIssuer has parsed both already; parsing cannot fail here.
  const cert = parseCertificates(certPem)[0]!;
  const issuer: CurrentIssuer = {
    cert,
    key: await privateKeyFromPem(keyPem),
    certPem: certificateToPem(cert),
    certBase64: Buffer.from(cert.rawData).toString('base64'),
    anchorsPem,
    subject: cert.subject,
    serial: cert.serialNumber,
    notAfter: cert.notAfter,
    digest,
  };
  return { ok: true, issuer, warnings: checked.filter((p) => p.severity === 'warning') };
}

/** The workload-token verification key; throws naming the file when it is missing or bad. */
export async function loadTokenKey(dir: string): Promise<CryptoKey> {
  const path = join(dir, PKI_FILES.tokenPublicKey);
  let pem: string;
  try {
    pem = await readFile(path, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new Error(`cannot read the workload-token key ${path}: ${reason}`);
  }
  try {
    return await importTokenVerificationKey(pem);
  } catch (error) {
    throw new Error(
      `${path} is not an ECDSA P-256 public key (SPKI PEM): ${(error as Error).message}`,
    );
  }
}
