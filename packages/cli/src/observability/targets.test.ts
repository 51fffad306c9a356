import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseConfig } from '@fusion/config';
import type { FusionConfig } from '@fusion/mesh-types';
import { buildPlan, type PlanInputs } from '../supervisor/plan.ts';
import { targetFiles, writeTargetFiles } from './targets.ts';

const TEXT = `version: 1
services:
  identity: { port: 9001, entry: identity.ts, replicas: 2 }
  worker: { port: 9002, command: [python3, worker.py] }
  db: { port: 9003, entry: db.ts, protocol: tcp }
`;

function plan(text: string, prometheusBinary?: string) {
  const parsed = parseConfig(text, { file: 'fusion.yaml' });
  assert.ok(parsed.ok);
  const config: FusionConfig = parsed.config;
  const inputs: PlanInputs = {
    config,
    baseDir: '/repo',
    stateDir: '/repo/.fusion',
    env: {},
    nodePath: '/usr/bin/node',
    tsxImport: 'file:///tsx/index.mjs',
    postgresEntry: '/repo/postgres-main.ts',
    controlPlaneEntry: '/repo/control-plane/main.ts',
    proxyEntry: '/repo/proxy/main.ts',
    configPath: '/repo/fusion.yaml',
    pkiDir: '/repo/.fusion/pki',
    trustAnchorsPem: '',
    ...(prometheusBinary && { prometheusBinary }),
  };
  return { config, plan: buildPlan(inputs) };
}

test('every sidecar and every service kit app is a target, labelled as Linkerd labels a pod', () => {
  const { config, plan: built } = plan(TEXT);
  const files = targetFiles({
    config,
    components: built.components,
    controlPlaneAdmin: '127.0.0.1:9990',
    prometheus: '127.0.0.1:9090',
  });
  assert.deepEqual(files['proxies.json'], [
    {
      targets: ['127.0.0.1:30001'],
      labels: { namespace: 'default', pod: 'identity', deployment: 'identity' },
    },
    {
      targets: ['127.0.0.2:30001'],
      labels: { namespace: 'default', pod: 'identity-1', deployment: 'identity' },
    },
    {
      targets: ['127.0.0.1:30002'],
      labels: { namespace: 'default', pod: 'worker', deployment: 'worker' },
    },
    { targets: ['127.0.0.1:30003'], labels: { namespace: 'default', pod: 'db', deployment: 'db' } },
  ]);
  // A command (not the service kit) and an opaque TCP service serve no /metrics of ours.
  assert.deepEqual(files['apps.json'], [
    {
      targets: ['127.0.0.1:19001'],
      labels: { namespace: 'default', pod: 'identity', deployment: 'identity' },
    },
    {
      targets: ['127.0.0.2:19001'],
      labels: { namespace: 'default', pod: 'identity-1', deployment: 'identity' },
    },
  ]);
  assert.deepEqual(files['control-plane.json'], [
    { targets: ['127.0.0.1:9990'], labels: { component: 'control-plane' } },
  ]);
  assert.deepEqual(files['prometheus.json'], [
    { targets: ['127.0.0.1:9090'], labels: { component: 'prometheus' } },
  ]);
});

test('target files are replaced whole, with nothing left beside them', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fusion-targets-'));
  try {
    const group = { targets: ['127.0.0.1:1'], labels: { pod: 'a' } };
    writeTargetFiles(join(dir, 'targets'), { 'proxies.json': [group] });
    writeTargetFiles(join(dir, 'targets'), { 'proxies.json': [group, group] });
    assert.deepEqual(readdirSync(join(dir, 'targets')), ['proxies.json']);
    const written = JSON.parse(readFileSync(join(dir, 'targets', 'proxies.json'), 'utf8'));
    assert.equal(written.length, 2);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('Prometheus joins the plan in the observability tier when the machine has it, on loopback', () => {
  const without = plan(TEXT).plan.components.map((c) => c.name);
  assert.ok(!without.includes('prometheus'));
  const { plan: built } = plan(
    `${TEXT}observability:\n  prometheus: { port: 9191, retention: 6h }\n`,
    '/usr/bin/prometheus',
  );
  const prometheus = built.components.find((c) => c.name === 'prometheus');
  assert.ok(prometheus);
  assert.equal(prometheus.tier, 'observability');
  assert.equal(prometheus.command, '/usr/bin/prometheus');
  assert.deepEqual(prometheus.args, [
    '--config.file=/repo/.fusion/prometheus/prometheus.yml',
    '--storage.tsdb.path=/repo/.fusion/prometheus/data',
    '--storage.tsdb.retention.time=21600s',
    '--web.listen-address=127.0.0.1:9191',
    '--log.format=json',
  ]);
  assert.deepEqual(prometheus.readiness, {
    kind: 'http',
    url: 'http://127.0.0.1:9191/-/ready',
    timeoutMs: 60_000,
  });
  const disabled = plan(`${TEXT}observability:\n  prometheus: { enabled: false }\n`, '/usr/bin/p');
  assert.ok(!disabled.plan.components.some((c) => c.name === 'prometheus'));
});
