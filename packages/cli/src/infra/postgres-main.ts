/**
 * The embedded PostgreSQL that `fusion up` runs when DATABASE_URL is unset: PGlite (PostgreSQL
 * compiled to WebAssembly) served over the Postgres wire protocol, so services use a normal
 * Postgres client either way. Data lives under the state directory and survives restarts.
 *
 * Environment: FUSION_PG_HOST, FUSION_PG_PORT, FUSION_PG_DATA_DIR, FUSION_PG_MAX_CONNECTIONS,
 * and optionally FUSION_PG_TEMPLATE_DIR: where template clusters are kept (data-dir-template.ts),
 * one per PGlite version, so that a fresh data directory is a copy rather than an initdb.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { prepareDataDir } from './data-dir-template.ts';

/**
 * PostgreSQL's shared buffers: its page cache, inside the WebAssembly memory. The default 128 MB
 * is touched as PostgreSQL starts, and an idle embedded server held 319 MB RSS with it against
 * 167 MB with 8 MB, and opened a reused data directory in 0.55 s instead of 0.8–1.1 s. The
 * services' schemas are a few hundred kB; 16 MB (2,048 pages) keeps them all cached, for 185 MB.
 * PGlite runs PostgreSQL in single-user mode: there are no background workers (autovacuum,
 * WAL writer) to tune, and no JIT in the build.
 */
const SHARED_BUFFERS = '16MB';
const START_PARAMS = [...PGlite.defaultStartParams, '-c', `shared_buffers=${SHARED_BUFFERS}`];

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

const began = performance.now();
const dataDirOutcome = await prepareDataDir({
  dataDir,
  templateDir: templateFor(process.env.FUSION_PG_TEMPLATE_DIR),
  initialise: async (dir) => {
    const fresh = await PGlite.create({ dataDir: dir, startParams: START_PARAMS });
    await fresh.close();
  },
}).catch((error: Error) => {
  // A cache that cannot be written (read-only, full) only costs the time initdb takes.
  log('warn', `data directory template unusable; running initdb: ${error.message}`);
  return 'initdb' as const;
});
mkdirSync(dataDir, { recursive: true });
const db = await PGlite.create({ dataDir, startParams: START_PARAMS });
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
  dataDirOutcome,
  sharedBuffers: SHARED_BUFFERS,
  maxConnections,
  startupMs: Math.round(performance.now() - began),
});

/** The template for this PGlite version: a cluster made by one version may not open in another. */
function templateFor(cacheDir: string | undefined): string | undefined {
  if (!cacheDir) return undefined;
  try {
    const entry = createRequire(import.meta.url).resolve('@electric-sql/pglite');
    const manifest = join(dirname(dirname(entry)), 'package.json');
    const { version } = JSON.parse(readFileSync(manifest, 'utf8')) as { version: string };
    return join(cacheDir, `pglite-${version}`);
  } catch {
    return undefined;
  }
}

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
