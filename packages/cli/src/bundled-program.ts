/**
 * The control plane, the sidecar, the embedded PostgreSQL and the apps, as `fusion up` runs
 * them. From dist/ each is already one bundled file. From source each is bundled here, at every
 * `fusion up` (and for an app a reload adds), into
 * node_modules/.cache/fusion/ (beside the node_modules its third-party imports load from), the
 * way `npm run build` bundles it: through tsx each process would transform every module at
 * start — seconds of CPU when the control plane restarts under load — and carry the loader for
 * its whole life (docs/decisions/0012 has the figures).
 */
import { mkdirSync, renameSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
/** Where the bundles go, beside the node_modules their third-party imports load from. */
const cacheDir = join(repoRoot, 'node_modules/.cache/fusion');

/**
 * Where the embedded PostgreSQL keeps its template clusters (infra/data-dir-template.ts): in the
 * same cache as its bundle, which `npm ci` clears with it. None for a program not bundled here
 * (dist/, or tsx without esbuild): those initialise every fresh data directory, as before.
 */
export function postgresTemplateDir(postgresProgram: string): string | undefined {
  return postgresProgram.startsWith(`${cacheDir}/`) ? join(cacheDir, 'postgres') : undefined;
}

interface Bundler {
  bundleProgram(entry: string, outfile: string): Promise<void>;
}

/**
 * The file to run with plain `node` for `entry`, named `name` in the cache; the TypeScript
 * entry itself when bundling is unavailable.
 */
export async function bundledProgram(entry: string, name: string): Promise<string> {
  if (!entry.endsWith('.ts')) return entry;
  let bundler: Bundler;
  try {
    bundler = (await import(pathToFileURL(join(repoRoot, 'scripts/bundle.mjs')).href)) as Bundler;
  } catch {
    // No esbuild (an install without dev dependencies): tsx runs the source, slower but the same.
    return entry;
  }
  const dir = cacheDir;
  mkdirSync(dir, { recursive: true });
  const outfile = join(dir, `${name}.mjs`);
  // Written aside and renamed into place: a second `fusion up` beside this one (a developer's
  // platform and a test's) never starts half a file.
  const temp = join(dir, `${name}.${process.pid}.mjs`);
  await bundler.bundleProgram(entry, temp);
  renameSync(temp, outfile);
  return outfile;
}

/**
 * Stops esbuild's service process once the bundles are made: it would otherwise stay beside the
 * supervisor for the platform's life, 39 MB RSS after bundling the programs. A later bundle (a
 * reload adding a service) starts it again.
 */
export async function releaseBundler(): Promise<void> {
  try {
    const esbuild = (await import('esbuild')) as { stop(): void | Promise<void> };
    await esbuild.stop();
  } catch {
    // No esbuild: nothing was bundled, nothing runs.
  }
}

/**
 * The apps' entries bundled, all at once: entry → the file to run. Only TypeScript entries in
 * this repository (their third-party imports load from its node_modules, beside the cache); an
 * entry that does not bundle (a syntax error) is left out, so it runs through tsx as before
 * and its own log says what is wrong.
 */
export async function bundledApps(entries: readonly string[]): Promise<Record<string, string>> {
  const ours = [...new Set(entries)].filter((entry) => {
    const inside = relative(repoRoot, entry);
    return entry.endsWith('.ts') && !inside.startsWith('..') && !inside.startsWith('/');
  });
  const bundled = await Promise.all(
    ours.map(async (entry) => {
      const name = `app-${relative(repoRoot, entry)
        .replace(/\.ts$/, '')
        .replace(/[^A-Za-z0-9_-]+/g, '-')}`;
      try {
        return [entry, await bundledProgram(entry, name)] as const;
      } catch {
        return [entry, entry] as const;
      }
    }),
  );
  return Object.fromEntries(bundled.filter(([entry, file]) => file !== entry));
}
