/**
 * The embedded PostgreSQL that `fusion up` runs when DATABASE_URL is unset: PGlite (PostgreSQL
 * compiled to WebAssembly) served over the Postgres wire protocol, so services use a normal
 * Postgres client either way. Data lives under the state directory and survives restarts.
 *
 * Environment: FUSION_PG_HOST, FUSION_PG_PORT, FUSION_PG_DATA_DIR, FUSION_PG_MAX_CONNECTIONS.
 */
import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';

function log(level: string, msg: string, fields: Record<string, unknown> = {}): void {
  const line = {
    time: new Date().toISOString(),
    level,
    service: 'postgres',
    component: 'embedded',
    msg,
    ...fields,
  };
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

function requireEnv(name: string): string {
  const value = process.env[name];
  if (!value) {
    log('fatal', `invalid environment: ${name} is required`);
    process.exit(1);
  }
  return value;
}

function requirePositiveInt(name: string, max: number): number {
  const text = requireEnv(name);
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1 || value > max) {
    log('fatal', `invalid environment: ${name}="${text}" is not an integer from 1 to ${max}`);
    process.exit(1);
  }
  return value;
}

const host = requireEnv('FUSION_PG_HOST');
const port = requirePositiveInt('FUSION_PG_PORT', 65535);
const dataDir = requireEnv('FUSION_PG_DATA_DIR');
const maxConnections = requirePositiveInt('FUSION_PG_MAX_CONNECTIONS', 1000);

mkdirSync(dataDir, { recursive: true });
const began = performance.now();
const db = await PGlite.create({ dataDir });
const server = new PGLiteSocketServer({ db, host, port, maxConnections });
server.addEventListener('error', (event) => {
  log('error', 'socket server error', { error: String((event as CustomEvent).detail) });
});
await server.start();
// A fresh data directory ran initdb in a WebAssembly instance of its own, now garbage: without
// a collection an idle process keeps its memory (760 against 449 MB RSS here). Not at once:
// right after start something still holds it, and a collection then frees nothing. The
// supervisor starts this program with --expose-gc.
for (const delayMs of [1_000, 10_000]) setTimeout(() => globalThis.gc?.(), delayMs).unref();
log('info', `embedded PostgreSQL listening on ${host}:${port}`, {
  dataDir,
  maxConnections,
  startupMs: Math.round(performance.now() - began),
});

let stopping = false;
async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  log('info', `${signal} received; closing connections and flushing data`);
  await server.stop();
  // Closing PGlite checkpoints its data directory; skipping it can lose recent writes.
  await db.close();
  log('info', 'stopped');
  process.exit(0);
}
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));
