/**
 * A fresh data directory for the embedded PostgreSQL, copied from a template cluster rather than
 * made by initdb each time. initdb in PGlite's WebAssembly took 5.2 s of a 5.6 s first start here
 * (a reused directory starts in 0.5 s), and a freshly initialised cluster holds no data of
 * anyone's: every fresh directory gets the same bytes initdb would have written. The template is
 * made once per PGlite version (by the first start that needs it) and never opened again, only
 * copied; it is written aside and renamed into place, so a reader never sees half of one, and two
 * starts racing to make it both succeed (the loser's copy is dropped).
 */
import { randomUUID } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** What was done to the data directory before PostgreSQL opened it. */
export type DataDirOutcome =
  /** It already held a cluster: reused as it is. */
  | 'existing'
  /** Copied from the template. */
  | 'copied'
  /** The template did not exist: made now (one initdb), then copied. */
  | 'template-created'
  /** No template to use (none configured, or the directory holds something else): initdb. */
  | 'initdb';

export interface DataDirOptions {
  readonly dataDir: string;
  /** Where the template cluster lives (or will); undefined: no template, initdb as before. */
  readonly templateDir: string | undefined;
  /** Makes a fresh cluster in `dir` and closes it (PGlite.create, then close). */
  readonly initialise: (dir: string) => Promise<void>;
}

/** A data directory holds a cluster once initdb wrote PG_VERSION into it. */
export function holdsCluster(dir: string): boolean {
  return existsSync(join(dir, 'PG_VERSION'));
}

export async function prepareDataDir(options: DataDirOptions): Promise<DataDirOutcome> {
  const { dataDir, templateDir } = options;
  if (holdsCluster(dataDir)) return 'existing';
  // Anything else in it (a half-finished initdb, someone's files) is left to PostgreSQL to judge.
  if (templateDir === undefined || !isEmptyOrMissing(dataDir)) return 'initdb';
  let outcome: DataDirOutcome = 'copied';
  if (!holdsCluster(templateDir)) {
    await makeTemplate(templateDir, options.initialise);
    outcome = 'template-created';
  }
  const aside = asideOf(dataDir, 'seeding');
  cpSync(templateDir, aside, { recursive: true });
  rmSync(dataDir, { recursive: true, force: true });
  renameSync(aside, dataDir);
  return outcome;
}

async function makeTemplate(
  templateDir: string,
  initialise: (dir: string) => Promise<void>,
): Promise<void> {
  mkdirSync(dirname(templateDir), { recursive: true });
  const aside = asideOf(templateDir, 'making');
  await initialise(aside);
  if (!holdsCluster(aside)) throw new Error(`initdb left no cluster in ${aside}`);
  try {
    renameSync(aside, templateDir);
  } catch (error) {
    rmSync(aside, { recursive: true, force: true });
    // Another start made it first (rename onto a non-empty directory fails): theirs will do.
    if (!holdsCluster(templateDir)) throw error;
  }
}

/** A sibling of `dir` that is this call's alone (two starts, or two calls in one process). */
function asideOf(dir: string, what: string): string {
  return `${dir}.${process.pid}-${randomUUID().slice(0, 8)}.${what}`;
}

function isEmptyOrMissing(dir: string): boolean {
  return !existsSync(dir) || readdirSync(dir).length === 0;
}
