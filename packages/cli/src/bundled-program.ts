/**
 * The control plane and the sidecar, as `fusion up` runs them. From dist/ each is already one
 * bundled file. From source each is bundled here, at every `fusion up`, into
 * node_modules/.cache/fusion/ (beside the node_modules its third-party imports load from), the
 * way `npm run build` bundles it: through tsx each process would transform every module at
 * start — seconds of CPU when the control plane restarts under load — and carry the loader for
 * its whole life (docs/decisions/0012 has the figures).
 */
import { mkdirSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

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
  const dir = join(repoRoot, 'node_modules/.cache/fusion');
  mkdirSync(dir, { recursive: true });
  const outfile = join(dir, `${name}.mjs`);
  // Written aside and renamed into place: a second `fusion up` beside this one (a developer's
  // platform and a test's) never starts half a file.
  const temp = join(dir, `${name}.${process.pid}.mjs`);
  await bundler.bundleProgram(entry, temp);
  renameSync(temp, outfile);
  return outfile;
}
