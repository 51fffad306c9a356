#!/usr/bin/env node
// Bundles each program (the fusion CLI, the embedded PostgreSQL, the control plane, the
// sidecar proxy, the nine services) into one JavaScript file under dist/, for running without
// tsx (containers, faster starts). Third-party packages stay external and load from
// node_modules; our workspaces are inlined (scripts/bundle.mjs).
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { bundleOptions, root } from './bundle.mjs';

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

const result = await build({ ...bundleOptions(), entryPoints, outdir: 'dist', metafile: true });
const outputs = Object.keys(result.metafile.outputs).filter((f) => f.endsWith('.js'));
console.log(
  `built ${outputs.length} programs into dist/: ${outputs.map((f) => f.replace('dist/', '')).join(', ')}`,
);
