/**
 * What the bundled sidecar loads from node_modules when it starts. Every third-party package
 * stays external (scripts/bundle.mjs) and esbuild hoists each one's import to the top of the
 * bundle, so whatever the program reaches — even through a lazy `import()` of our own modules —
 * is loaded before the first line runs. Loading is most of a sidecar's start
 * (docs/performance.md, "Sidecar start-up (2026-12-02)"): a new package here must earn its
 * place with a figure.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { BuildOptions, Metafile } from 'esbuild';

const root = fileURLToPath(new URL('../../../', import.meta.url));

/** Measured cost to load, alone, on the development machine (ms, p50 of 3). */
const ALLOWED: Readonly<Record<string, string>> = {
  pino: 'the platform logger (telemetry), ~25 ms',
};

test('the sidecar bundle loads no PKI or token library at start, only the packages listed', async () => {
  const { build } = await import('esbuild');
  const { bundleOptions } = (await import(pathToFileURL(`${root}scripts/bundle.mjs`).href)) as {
    bundleOptions(): BuildOptions;
  };
  const result = await build({
    ...bundleOptions(),
    entryPoints: [`${root}packages/proxy/src/main.ts`],
    outfile: 'fusion-proxy.mjs',
    write: false,
    metafile: true,
    sourcemap: false,
  });
  const packages = externalPackages(result.metafile);
  // undici (~130 ms) left with our own HTTP/1.1 engine for inbound → app.
  for (const heavy of [
    '@peculiar/x509',
    '@peculiar/asn1-schema',
    'reflect-metadata',
    'jose',
    'undici',
  ]) {
    assert.ok(!packages.includes(heavy), `${heavy} is loaded by the sidecar`);
  }
  const unlisted = packages.filter((p) => !(p in ALLOWED));
  assert.deepEqual(unlisted, [], 'packages the sidecar loads at start without a measured reason');
});

function externalPackages(metafile: Metafile): string[] {
  const found = new Set<string>();
  for (const output of Object.values(metafile.outputs)) {
    for (const i of output.imports) {
      if (!i.external || i.path.startsWith('node:')) continue;
      const parts = i.path.split('/');
      found.add(i.path.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!);
    }
  }
  return [...found].sort();
}
