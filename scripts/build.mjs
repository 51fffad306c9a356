#!/usr/bin/env node
// Bundles each program (the fusion CLI, the embedded PostgreSQL, the nine services) into
// one JavaScript file under dist/, for running without tsx (containers, faster starts).
// Third-party packages stay external and load from node_modules; our workspaces are inlined.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';

const root = new URL('..', import.meta.url).pathname;
const workspaceDirs = ['packages', 'services'].flatMap((dir) =>
  readdirSync(join(root, dir)).map((name) => join(root, dir, name)),
);
const thirdParty = new Set();
for (const dir of workspaceDirs) {
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  for (const dep of Object.keys(pkg.dependencies ?? {})) {
    if (!dep.startsWith('@fusion/')) thirdParty.add(dep);
  }
}

const entryPoints = {
  'cli/main': 'packages/cli/src/main.ts',
  'cli/infra/postgres-main': 'packages/cli/src/infra/postgres-main.ts',
  'control-plane/main': 'packages/control-plane/src/main.ts',
  'proxy/main': 'packages/proxy/src/main.ts',
  ...Object.fromEntries(
    readdirSync(join(root, 'services')).map((name) => [
      `services/${name}/main`,
      `services/${name}/src/main.ts`,
    ]),
  ),
};

const result = await build({
  absWorkingDir: root,
  entryPoints,
  outdir: 'dist',
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  sourcemap: true,
  external: [...thirdParty].flatMap((dep) => [dep, `${dep}/*`]),
  // ESM bundles have no require(); some dependencies' CommonJS paths still call it.
  banner: {
    js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
  },
  logLevel: 'warning',
  metafile: true,
});
const outputs = Object.keys(result.metafile.outputs).filter((f) => f.endsWith('.js'));
console.log(
  `built ${outputs.length} programs into dist/: ${outputs.map((f) => f.replace('dist/', '')).join(', ')}`,
);
