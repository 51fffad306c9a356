/**
 * The sidecar program `fusion up` runs. From dist/ it is already one bundled file. From source
 * it is bundled here, at each `fusion up`, into node_modules/.cache/fusion/ (beside the
 * node_modules its third-party imports load from), the way `npm run build` bundles it: a
 * platform runs one sidecar per service instance, and through tsx each would transform every
 * module at start and carry the loader for its whole life (docs/decisions/0012 has figures).
 */
import { mkdirSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { programs } from './paths.ts';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

interface Bundler {
  bundleProgram(entry: string, outfile: string): Promise<void>;
}

/** The file to run with plain `node`, or the TypeScript entry when bundling is unavailable. */
export async function sidecarProgram(): Promise<string> {
  if (!programs.proxy.endsWith('.ts')) return programs.proxy;
  let bundler: Bundler;
  try {
    bundler = (await import(pathToFileURL(join(repoRoot, 'scripts/bundle.mjs')).href)) as Bundler;
  } catch {
    // No esbuild (an install without dev dependencies): tsx runs the source, slower but the same.
    return programs.proxy;
  }
  const dir = join(repoRoot, 'node_modules/.cache/fusion');
  mkdirSync(dir, { recursive: true });
  const outfile = join(dir, 'fusion-proxy.mjs');
  // Written aside and renamed into place: a second `fusion up` beside this one (a developer's
  // platform and a test's) never starts half a file.
  const temp = join(dir, `fusion-proxy.${process.pid}.mjs`);
  await bundler.bundleProgram(programs.proxy, temp);
  renameSync(temp, outfile);
  return outfile;
}
