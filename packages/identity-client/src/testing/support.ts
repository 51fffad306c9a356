/** Small shared pieces of the tests: token files, captured logs, waiting for events. */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger, type Logger } from '@fusion/telemetry';

export const IDENTITY_SERVICE_NAME = 'identity.fusion.serviceaccount.identity.cluster.local';
export const KERNEL = 'ai-kernel.default.serviceaccount.identity.cluster.local';
export const GATEWAY = 'api-gateway.default.serviceaccount.identity.cluster.local';

/** A temporary directory holding one token file; test code writes it, the package only reads. */
export async function tokenDir(token: string): Promise<{
  dir: string;
  file: string;
  write(token: string): Promise<void>;
  remove(): Promise<void>;
}> {
  const dir = await mkdtemp(join(tmpdir(), 'identity-client-token-'));
  const file = join(dir, 'token');
  await writeFile(file, token);
  return {
    dir,
    file,
    write: (next) => writeFile(file, next),
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}

/** A logger whose lines are kept as parsed objects, for assertions. */
export function captureLogger(): { logger: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger({
    service: 'test',
    level: 'debug',
    destination: { write: (line: string) => lines.push(JSON.parse(line)) },
  });
  return { logger, lines };
}

/** Resolves when `condition` holds, checking every `everyMs`; rejects after `withinMs`. */
export async function until(
  condition: () => boolean,
  what: string,
  { withinMs = 15_000, everyMs = 20 }: { withinMs?: number; everyMs?: number } = {},
): Promise<void> {
  const deadline = Date.now() + withinMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
