#!/usr/bin/env node
// Runs the test suites with node's own test runner through tsx.
// Node 20 does not expand globs given to --test, so the files are found here.
//
//   node scripts/run-tests.mjs            unit tests, then end-to-end tests
//   node scripts/run-tests.mjs --unit     unit tests only (packages/, services/, bench/src/)
//   node scripts/run-tests.mjs --e2e      end-to-end tests only (test/e2e/)
//   node scripts/run-tests.mjs FILE...    just these files
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const args = process.argv.slice(2);
const flags = new Set(args.filter((a) => a.startsWith('--')));
const files = args.filter((a) => !a.startsWith('--'));

function findTests(dir) {
  const found = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) found.push(...findTests(path));
    else if (entry.name.endsWith('.test.ts')) found.push(relative(root, path));
  }
  return found.sort();
}

function run(label, testFiles, extra = []) {
  if (testFiles.length === 0) {
    console.error(`${label}: no test files found`);
    return 1;
  }
  console.log(`\n== ${label}: ${testFiles.length} files ==`);
  const result = spawnSync(
    process.execPath,
    ['--import', 'tsx', '--test', '--test-reporter=spec', ...extra, ...testFiles],
    { cwd: root, stdio: 'inherit' },
  );
  return result.status ?? 1;
}

let status = 0;
if (files.length > 0) {
  status = run('selected', files);
} else {
  const wantUnit = !flags.has('--e2e');
  const wantE2e = !flags.has('--unit');
  if (wantUnit) {
    status ||= run('unit', [
      ...findTests(join(root, 'packages')),
      ...findTests(join(root, 'services')),
      ...findTests(join(root, 'bench/src')),
    ]);
  }
  if (wantE2e) {
    // End-to-end suites start the whole platform; one at a time keeps them off each other's ports.
    status ||= run('e2e', findTests(join(root, 'test/e2e')), ['--test-concurrency=1']);
  }
}
process.exit(status);
