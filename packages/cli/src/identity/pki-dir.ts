/**
 * The PKI directory (`.fusion/pki/`): file names, and writes that are atomic and private.
 * The identity service watches this directory and picks up a new issuer on its own.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface PkiFiles {
  readonly dir: string;
  /** Trust anchor bundle: every anchor workloads trust (one, or two while rotating). */
  readonly anchors: string;
  /** Private key of the newest anchor: signs issuers. Keep it offline in production. */
  readonly anchorKey: string;
  readonly issuerCert: string;
  readonly issuerKey: string;
  /** Key pair that signs and verifies workload tokens. */
  readonly tokenKey: string;
  readonly tokenPublicKey: string;
}

export function pkiFiles(stateDir: string): PkiFiles {
  const dir = join(stateDir, 'pki');
  return {
    dir,
    anchors: join(dir, 'ca.crt'),
    anchorKey: join(dir, 'ca.key'),
    issuerCert: join(dir, 'issuer.crt'),
    issuerKey: join(dir, 'issuer.key'),
    tokenKey: join(dir, 'token.key'),
    tokenPublicKey: join(dir, 'token.pub'),
  };
}

export function pkiExists(files: PkiFiles): boolean {
  return existsSync(files.anchors) && existsSync(files.issuerCert) && existsSync(files.issuerKey);
}

export function readText(path: string): string {
  return readFileSync(path, 'utf8');
}

/**
 * Writes through a temporary file and a rename, so a reader (the identity service) sees the
 * old file or the new one, never half of one. Private files are 0600 from the first byte.
 */
export function writeAtomic(path: string, text: string, mode: 0o600 | 0o644): void {
  const temp = `${path}.${process.pid}.tmp`;
  writeFileSync(temp, text, { mode });
  chmodSync(temp, mode);
  renameSync(temp, path);
}

export function ensurePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
}
