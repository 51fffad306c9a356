/**
 * Workload tokens minted by the supervisor: one file per component, readable only by the
 * user running the platform (0600 in a 0700 directory), named by the workload's
 * LINKERD2_PROXY_IDENTITY_TOKEN_FILE. Re-minted well before they expire.
 */
import { join } from 'node:path';
import { importTokenSigningKey, mintWorkloadToken } from '@fusion/pki';
import type { PkiFiles } from './pki-dir.ts';
import { ensurePrivateDir, readText, writeAtomic } from './pki-dir.ts';

/** Kubernetes projects Linkerd's token with a one-day expiry; so do we. */
export const TOKEN_TTL_MS = 24 * 60 * 60 * 1000;
/** Re-mint every quarter of the lifetime, so a token file is never close to expiry. */
export const TOKEN_REFRESH_MS = TOKEN_TTL_MS / 4;

export function tokenDir(stateDir: string): string {
  return join(stateDir, 'run', 'tokens');
}

export function tokenFile(stateDir: string, component: string): string {
  return join(tokenDir(stateDir), `${component}.jwt`);
}

export interface TokenGrant {
  /** The file the token is written to. */
  readonly file: string;
  /** The identity name it vouches for. */
  readonly identity: string;
}

export async function writeTokens(
  files: PkiFiles,
  stateDir: string,
  grants: readonly TokenGrant[],
  ttlMs = TOKEN_TTL_MS,
): Promise<void> {
  if (grants.length === 0) return;
  ensurePrivateDir(tokenDir(stateDir));
  const key = await importTokenSigningKey(readText(files.tokenKey));
  for (const grant of grants) {
    writeAtomic(
      grant.file,
      `${await mintWorkloadToken(key, { identity: grant.identity, ttlMs })}\n`,
      0o600,
    );
  }
}
