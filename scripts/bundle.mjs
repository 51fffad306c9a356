// How every program of ours is bundled: one ESM file, our workspaces inlined, third-party
// packages left external to load from node_modules. Used by build.mjs (dist/) and by
// `fusion up`, which bundles the sidecar before starting it (packages/cli/src/sidecar-program.ts).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';

export const root = new URL('..', import.meta.url).pathname;

/** Every third-party package a workspace depends on at run time. */
export function thirdPartyDependencies() {
  const workspaceDirs = ['packages', 'services'].flatMap((dir) =>
    readdirSync(join(root, dir)).map((name) => join(root, dir, name)),
  );
  const found = new Set();
  for (const dir of workspaceDirs) {
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    for (const dep of Object.keys(pkg.dependencies ?? {})) {
      if (!dep.startsWith('@fusion/')) found.add(dep);
    }
  }
  return [...found];
}

/** esbuild's options for our programs; `entryPoints` and the output are the caller's. */
export function bundleOptions() {
  return {
    absWorkingDir: root,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    sourcemap: true,
    // Mappings only: stack traces still point at the TypeScript (which is on disk beside it),
    // and `node --enable-source-maps` parses a map 40 % the size at every start (a sidecar's
    // CPU to ready 0.78 -> 0.64 s; docs/performance.md, "Sidecar start-up (2026-12-02)").
    sourcesContent: false,
    external: thirdPartyDependencies().flatMap((dep) => [dep, `${dep}/*`]),
    // ESM bundles have no require(); some dependencies' CommonJS paths still call it.
    banner: {
      js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
    },
    logLevel: 'warning',
  };
}

/** Bundles one program into `outfile`, its source map inline (the file may be renamed). */
export async function bundleProgram(entry, outfile) {
  await build({ ...bundleOptions(), entryPoints: [entry], outfile, sourcemap: 'inline' });
}
