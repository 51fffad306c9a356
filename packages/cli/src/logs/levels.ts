/**
 * Runtime log levels, as `fusion log-level` sets them: an app follows the file the supervisor
 * named in its FUSION_LOG_LEVEL_FILE (service kit); a sidecar is told on its admin port
 * (`PUT /proxy-log-level`, Linkerd's), and the file beside the apps' records what it was told,
 * so `fusion status` can report both without asking anyone.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { logLevelFile } from '../supervisor/index.ts';

/** The level set at runtime for `component`, or undefined when it runs as fusion.yaml says. */
export function runtimeLevel(stateDir: string, component: string): string | undefined {
  try {
    return readFileSync(logLevelFile(stateDir, component), 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}

/** Records (and, for an app, sets) `component`'s level; replaced whole, never half-written. */
export function writeRuntimeLevel(stateDir: string, component: string, level: string): void {
  const path = logLevelFile(stateDir, component);
  writeFileSync(`${path}.next`, `${level}\n`);
  renameSync(`${path}.next`, path);
}

/** Tells a sidecar (admin `host:port`) its new log filter; throws saying why it could not. */
export async function setProxyLevel(admin: string, level: string): Promise<void> {
  const response = await fetch(`http://${admin}/proxy-log-level`, {
    method: 'PUT',
    body: level,
    signal: AbortSignal.timeout(2000),
  });
  if (response.status !== 204) {
    throw new Error(
      `PUT /proxy-log-level answered ${response.status}: ${(await response.text()).trim()}`,
    );
  }
}
