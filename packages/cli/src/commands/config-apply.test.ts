/**
 * `fusion config show` and `apply` against a stand-in platform: a state directory naming this
 * process as the supervisor, and the real control-plane pieces behind the API — the config
 * source following the running file and the public API serving it.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { type ApiComponent, ConfigSource, EndpointRegistry, startApi } from '@fusion/control-plane';
import type { ApiConfig } from '@fusion/mesh-types';
import { writePidFile, writeState } from '../supervisor/index.ts';
import { applyConfig } from './config-apply.ts';
import { describeConfig, type Output, showConfig } from './config-show.ts';

type Logger = Parameters<ConfigSource['follow']>[0];
const silent = { info() {}, warn() {}, error() {}, debug() {} } as unknown as Logger;

const config = (timeout: string) => `version: 1
services:
  gateway: { port: 18000, entry: gateway.js, external: true }
  orders: { port: 18001, entry: orders.js }
trafficPolicies:
  - name: orders-timeout
    selector: { matchLabels: { app: gateway } }
    policy:
      traffic:
        - destination: { selector: { matchLabels: { app: orders } } }
          policy: { timeout: ${timeout} }
`;

let root: string;
let running: string;
let stateDir: string;
let source: ConfigSource;
let api: ApiComponent;

function captured(): Output & { lines: string[]; errors: string[] } {
  const lines: string[] = [];
  const errors: string[] = [];
  return { lines, errors, out: (l) => lines.push(l), err: (l) => errors.push(l) };
}

/** Where a user keeps the file they are about to apply: anywhere but the running directory. */
function draft(name: string, text: string): string {
  const path = join(root, 'drafts', name);
  writeFileSync(path, text);
  return path;
}

beforeEach(async () => {
  root = mkdtempSync(join(tmpdir(), 'fusion-apply-'));
  const platform = join(root, 'platform');
  mkdirSync(platform);
  mkdirSync(join(root, 'drafts'));
  // Entry files exist next to the running file only: FILE is validated as it will be read there.
  writeFileSync(join(platform, 'gateway.js'), '');
  writeFileSync(join(platform, 'orders.js'), '');
  running = join(platform, 'fusion.yaml');
  writeFileSync(running, config('2s'));
  source = ConfigSource.open({ file: running, debounceMs: 20 });
  api = await startApi({
    host: '127.0.0.1',
    port: 0,
    config: source,
    endpoints: new EndpointRegistry({ ttlMs: 10_000, heartbeatMs: 3_000, rebuildMs: 0 }),
    identities: {} as never,
    logger: silent,
  });
  stateDir = join(root, '.fusion');
  writePidFile(stateDir, process.pid);
  writeState(stateDir, {
    pid: process.pid,
    phase: 'running',
    startedAt: new Date().toISOString(),
    configFile: 'fusion.yaml',
    stateDir,
    components: [
      {
        name: 'control-plane',
        tier: 'control-plane',
        state: 'ready',
        addresses: ['127.0.0.1:1', '127.0.0.1:2', `127.0.0.1:${api.address.port}`],
        restarts: 0,
      },
    ],
  });
});
afterEach(async () => {
  source.close();
  await api.close();
  rmSync(root, { recursive: true, force: true });
});

describe('fusion config apply', () => {
  it('validates, replaces the running file, and returns once the control plane reports the new version', async () => {
    source.follow(silent);
    const file = draft('next.yaml', config('5s'));
    const output = captured();
    assert.equal(await applyConfig({ file, stateDir }, output), 0, output.errors.join('\n'));
    assert.equal(readFileSync(running, 'utf8'), config('5s'));
    assert.equal(source.current().version.generation, 2);
    assert.deepEqual(output.lines, [
      `applied ${file}: version ${source.current().version.hash} (generation 2), was ${output.lines[0]!.match(/was (\S+)/)![1]} (generation 1)`,
    ]);

    const shown = captured();
    assert.equal(await showConfig(stateDir, {}, shown), 0);
    assert.equal(shown.lines[0], `version     ${source.current().version.hash} (generation 2)`);
    assert.equal(shown.lines[1], `file        ${running}`);
    const json = captured();
    await showConfig(stateDir, { json: true }, json);
    assert.equal((JSON.parse(json.lines.join('\n')) as ApiConfig).generation, 2);
  });

  it('refuses an invalid file with every position, writing nothing', async () => {
    source.follow(silent);
    const broken = config('5s')
      .replace('port: 18001', 'port: high')
      .replace('orders.js', 'missing.js');
    const file = draft('broken.yaml', broken);
    const output = captured();
    assert.equal(await applyConfig({ file, stateDir }, output), 1);
    assert.equal(readFileSync(running, 'utf8'), config('2s'), 'the running file is untouched');
    assert.equal(source.current().version.generation, 1);
    const problems = output.errors.filter((line) => !line.includes(': warning: '));
    assert.ok(problems.some((line) => /broken\.yaml:4:19: services\.orders\.port: /.test(line)));
    assert.ok(problems.some((line) => /broken\.yaml:4:\d+: .*missing\.js/.test(line)));
    assert.match(
      problems.at(-1)!,
      /2 errors; nothing applied, .*platform\/fusion\.yaml is unchanged$/,
    );
  });

  it('says so when the file is what is in force already', async () => {
    source.follow(silent);
    const output = captured();
    assert.equal(
      await applyConfig({ file: draft('same.yaml', `# same\n${config('2s')}`), stateDir }, output),
      0,
    );
    assert.match(
      output.lines[0]!,
      /is what is in force already: version sha256:\S+ \(generation 1\)$/,
    );
  });

  it('fails, naming the version it waited for, when the control plane does not load the file', async () => {
    // Not following: the file changes on disk and nobody reads it.
    const output = captured();
    const code = await applyConfig(
      { file: draft('next.yaml', config('5s')), stateDir, waitMs: 200 },
      output,
    );
    assert.equal(code, 1);
    assert.match(
      output.errors.at(-1)!,
      /is written, but the control plane did not report version sha256:\S+ within 200 ms \(it reports sha256:\S+, generation 1\)$/,
    );
  });

  it('exits 3 when the platform is not running, as fusion status does', async () => {
    const elsewhere = join(root, 'other-state');
    const output = captured();
    assert.equal(await showConfig(elsewhere, {}, output), 3);
    assert.equal(
      await applyConfig({ file: draft('x.yaml', config('1s')), stateDir: elsewhere }, output),
      3,
    );
    assert.deepEqual(output.errors[0], 'AI Fusion Core is not running');
  });
});

describe('describeConfig', () => {
  it('prints the refusal with its positions and what waits for a restart', () => {
    const lines = describeConfig({
      version: 'sha256:0123456789abcdef',
      generation: 3,
      loadedAt: '2026-12-02T10:00:00.000Z',
      file: '/srv/fusion.yaml',
      services: ['a', 'b'],
      warnings: [],
      notEnforced: [],
      restartRequired: ['mesh.trustDomain'],
      lastError: {
        at: '2026-12-02T10:05:00.000Z',
        errors: [{ text: '/srv/fusion.yaml:4:11: services.b.port: expected an integer' } as never],
      },
      reloads: { applied: 2, refused: 1, unchanged: 0 },
    });
    assert.deepEqual(lines, [
      'version     sha256:0123456789abcdef (generation 3)',
      'file        /srv/fusion.yaml',
      'loaded at   2026-12-02T10:00:00.000Z',
      'services    2',
      'warnings    0',
      'reloads     2 applied, 1 refused, 0 unchanged',
      'on restart  mesh.trustDomain (read at start; in force after the next `fusion up`)',
      'last error  the file on disk was refused at 2026-12-02T10:05:00.000Z; generation 3 stays in force:',
      '  /srv/fusion.yaml:4:11: services.b.port: expected an integer',
    ]);
  });
});
