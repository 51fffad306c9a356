import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { bundledApps, releaseBundler } from './bundled-program.ts';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

describe('bundledApps', () => {
  // Inside the repository, where bundling applies (the cache directory is already ignored).
  const cache = join(repoRoot, 'node_modules/.cache/fusion');
  mkdirSync(cache, { recursive: true });
  const dir = mkdtempSync(join(cache, 'bundled-apps-test-'));
  const outside = mkdtempSync(join(tmpdir(), 'bundled-apps-test-'));
  const made: string[] = [];
  after(() => {
    for (const file of made) rmSync(file, { force: true });
    rmSync(dir, { recursive: true, force: true });
    rmSync(outside, { recursive: true, force: true });
  });

  test('a TypeScript entry in the repository becomes one file that runs on node alone', async () => {
    const entry = join(dir, 'main.ts');
    writeFileSync(join(dir, 'greeting.ts'), 'export const greeting: string = "hello";\n');
    writeFileSync(entry, 'import { greeting } from "./greeting.ts";\nconsole.log(greeting);\n');
    const programs = await bundledApps([entry, entry]);
    assert.deepEqual(Object.keys(programs), [entry]);
    made.push(programs[entry]!);
    assert.match(programs[entry]!, /\.mjs$/);
    assert.equal(
      execFileSync(process.execPath, [programs[entry]!], { encoding: 'utf8' }),
      'hello\n',
    );
  });

  test('esbuild released after bundling starts again for the next bundle', async () => {
    const entry = join(dir, 'later.ts');
    writeFileSync(entry, 'console.log("later");\n');
    await releaseBundler();
    const programs = await bundledApps([entry]);
    made.push(programs[entry]!);
    await releaseBundler();
    assert.equal(
      execFileSync(process.execPath, [programs[entry]!], { encoding: 'utf8' }),
      'later\n',
    );
  });

  test('an entry that does not bundle, one outside the repository, and a .js entry are left to tsx', async () => {
    const broken = join(dir, 'broken.ts');
    writeFileSync(broken, 'import { nothing } from "./missing.ts";\nconsole.log(nothing);\n');
    const elsewhere = join(outside, 'main.ts');
    writeFileSync(elsewhere, 'console.log(1);\n');
    const plain = join(dir, 'plain.js');
    writeFileSync(plain, 'console.log(1);\n');
    assert.deepEqual(await bundledApps([broken, elsewhere, plain]), {});
  });
});
