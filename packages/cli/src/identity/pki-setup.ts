/**
 * Creating, checking and rotating the mesh PKI: `fusion identity init`, the automatic init of
 * the first `fusion up`, `fusion identity rotate-issuer` and `rotate-anchor`.
 */
import { existsSync } from 'node:fs';
import {
  type CertifiedKey,
  CONTROL_PLANE_NAMESPACE,
  certificateToPem,
  createIssuer,
  createTrustAnchor,
  generateKeyPair,
  type PkiProblem,
  parseCertificates,
  privateKeyFromPem,
  privateKeyToPem,
  publicKeyToPem,
  validateIssuer,
} from '@fusion/pki';
import { ensurePrivateDir, type PkiFiles, pkiExists, readText, writeAtomic } from './pki-dir.ts';

export interface BringYourOwn {
  readonly trustAnchor: string;
  readonly issuerCert: string;
  readonly issuerKey: string;
}

export interface PkiReport {
  readonly created: boolean;
  readonly problems: readonly PkiProblem[];
}

/** Common names as Linkerd's documentation gives them, with our control-plane namespace. */
export function anchorName(trustDomain: string): string {
  return `root.${trustDomain}`;
}
export function issuerName(trustDomain: string): string {
  return `identity.${CONTROL_PLANE_NAMESPACE}.${trustDomain}`;
}

/**
 * Makes sure a valid PKI exists: generates one (or installs the user's own files) when there is
 * none, then validates it. Errors in `problems` mean it must not be used.
 */
export async function ensurePki(
  files: PkiFiles,
  trustDomain: string,
  bring?: BringYourOwn,
): Promise<PkiReport> {
  let created = false;
  if (bring) {
    const problems = await installOwn(files, bring);
    if (problems.some((p) => p.severity === 'error')) return { created: false, problems };
    created = true;
  } else if (!pkiExists(files)) {
    ensurePrivateDir(files.dir);
    const anchor = await createTrustAnchor({ commonName: anchorName(trustDomain) });
    const issuer = await createIssuer(anchor, { commonName: issuerName(trustDomain) });
    writeAtomic(files.anchorKey, anchor.keyPem, 0o600);
    writeAtomic(files.anchors, anchor.certPem, 0o644);
    writeAtomic(files.issuerKey, issuer.keyPem, 0o600);
    writeAtomic(files.issuerCert, issuer.certPem, 0o644);
    created = true;
  }
  await ensureTokenKeys(files);
  return { created, problems: await checkPki(files) };
}

export function checkPki(files: PkiFiles): Promise<PkiProblem[]> {
  return validateIssuer({
    anchorsPem: readText(files.anchors),
    issuerCertPem: readText(files.issuerCert),
    issuerKeyPem: readText(files.issuerKey),
  });
}

/** A new issuer under the newest anchor; the identity service picks it up without a restart. */
export async function rotateIssuer(files: PkiFiles, trustDomain: string): Promise<CertifiedKey> {
  const anchor = await newestAnchor(files);
  const issuer = await createIssuer(anchor, { commonName: issuerName(trustDomain) });
  // Key first, then certificate: until the certificate lands the pair does not match, and the
  // identity service keeps the old issuer rather than load a half-written one.
  writeAtomic(files.issuerKey, issuer.keyPem, 0o600);
  writeAtomic(files.issuerCert, issuer.certPem, 0o644);
  return issuer;
}

/**
 * Step 1 of an anchor rotation: a new anchor, trusted beside the old one. The bundle keeps both
 * until `finishAnchorRotation`; see docs/operations.md for the whole procedure.
 */
export async function beginAnchorRotation(
  files: PkiFiles,
  trustDomain: string,
): Promise<CertifiedKey> {
  const anchor = await createTrustAnchor({ commonName: `${anchorName(trustDomain)}` });
  const bundle = anchor.certPem + readText(files.anchors);
  writeAtomic(files.anchorKey, anchor.keyPem, 0o600);
  writeAtomic(files.anchors, bundle, 0o644);
  return anchor;
}

/** Last step: trust only the newest anchor. Refused while the issuer still chains to an old one. */
export async function finishAnchorRotation(files: PkiFiles): Promise<void> {
  const [newest, ...older] = parseCertificates(readText(files.anchors));
  if (!newest) throw new Error(`${files.anchors} holds no certificate`);
  if (older.length === 0)
    throw new Error('only one trust anchor is in the bundle; there is no rotation to finish');
  const problems = await validateIssuer({
    anchorsPem: certificateToPem(newest),
    issuerCertPem: readText(files.issuerCert),
    issuerKeyPem: readText(files.issuerKey),
  });
  const errors = problems.filter((p) => p.severity === 'error');
  if (errors.length > 0) {
    throw new Error(
      `the issuer does not chain to the new anchor yet (${errors.map((e) => e.message).join('; ')}); run \`fusion identity rotate-issuer\` first`,
    );
  }
  writeAtomic(files.anchors, certificateToPem(newest), 0o644);
}

async function newestAnchor(files: PkiFiles): Promise<CertifiedKey> {
  const [cert] = parseCertificates(readText(files.anchors));
  if (!cert) throw new Error(`${files.anchors} holds no certificate`);
  if (!existsSync(files.anchorKey)) {
    throw new Error(
      `${files.anchorKey} is missing: the trust anchor's key is needed to sign a new issuer`,
    );
  }
  const keyPem = readText(files.anchorKey);
  return { cert, certPem: certificateToPem(cert), key: await privateKeyFromPem(keyPem), keyPem };
}

async function installOwn(files: PkiFiles, bring: BringYourOwn): Promise<PkiProblem[]> {
  const read = (path: string, role: string): string | PkiProblem => {
    try {
      return readText(path);
    } catch (error) {
      return {
        severity: 'error',
        code: 'file-unreadable',
        message: `${role} ${path}: ${(error as Error).message}`,
      };
    }
  };
  const anchors = read(bring.trustAnchor, '--trust-anchor');
  const cert = read(bring.issuerCert, '--issuer-cert');
  const key = read(bring.issuerKey, '--issuer-key');
  const unreadable = [anchors, cert, key].filter((v): v is PkiProblem => typeof v !== 'string');
  if (unreadable.length > 0) return unreadable;
  const problems = await validateIssuer({
    anchorsPem: anchors as string,
    issuerCertPem: cert as string,
    issuerKeyPem: key as string,
  });
  if (problems.some((p) => p.severity === 'error')) return problems;
  ensurePrivateDir(files.dir);
  writeAtomic(files.anchors, anchors as string, 0o644);
  writeAtomic(files.issuerKey, key as string, 0o600);
  writeAtomic(files.issuerCert, cert as string, 0o644);
  return problems;
}

async function ensureTokenKeys(files: PkiFiles): Promise<void> {
  if (existsSync(files.tokenKey) && existsSync(files.tokenPublicKey)) return;
  const keys = await generateKeyPair();
  writeAtomic(files.tokenKey, await privateKeyToPem(keys.privateKey), 0o600);
  writeAtomic(files.tokenPublicKey, await publicKeyToPem(keys.publicKey), 0o644);
}
