/**
 * The committed Prometheus configuration and rules (deploy/prometheus/) as Prometheus's own tool
 * sees them: `promtool check config`, `check rules`, and `test rules` (the alerts against
 * synthetic series, deploy/prometheus/tests/). CI installs Prometheus, so there a missing
 * promtool is a failure; elsewhere the test says it was skipped and why.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { deployDir } from '../paths.ts';

const dir = join(deployDir, 'prometheus');
const available = spawnSync('promtool', ['--version']).status === 0;

function promtool(t: { skip(message: string): void }, args: string[]): string | undefined {
  if (!available) {
    assert.ok(
      !process.env.CI,
      'promtool is not installed: .ci/run installs the prometheus package',
    );
    t.skip('promtool is not installed (apt-get install prometheus)');
    return undefined;
  }
  const run = spawnSync('promtool', args, { cwd: dir, encoding: 'utf8' });
  assert.equal(run.status, 0, `promtool ${args.join(' ')}:\n${run.stdout}\n${run.stderr}`);
  return run.stdout + run.stderr;
}

test('promtool check config accepts prometheus.yml and finds its rule files', (t) => {
  const out = promtool(t, ['check', 'config', 'prometheus.yml']);
  if (out !== undefined) assert.match(out, /SUCCESS: 3 rule files found/);
});

test('promtool check rules accepts every rule file', (t) => {
  const files = readdirSync(join(dir, 'rules')).map((f) => join('rules', f));
  promtool(t, ['check', 'rules', ...files]);
});

test('promtool test rules: every alert fires on its synthetic series, and only then', (t) => {
  const out = promtool(t, ['test', 'rules', 'tests/rules.test.yml']);
  if (out !== undefined) assert.match(out, /SUCCESS/);
});
