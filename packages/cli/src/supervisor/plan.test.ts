import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { parseConfig } from '@fusion/config';
import type { FusionConfig } from '@fusion/mesh-types';
import { buildPlan, orderByDependencies, type PlanInputs } from './plan.ts';

const realFile = readFileSync(new URL('../../../../fusion.yaml', import.meta.url), 'utf8');

function config(text: string): FusionConfig {
  const result = parseConfig(text, { file: 'fusion.yaml' });
  assert.ok(result.ok, JSON.stringify(!result.ok && result.errors));
  return result.config;
}

function inputs(cfg: FusionConfig, env: Record<string, string> = {}): PlanInputs {
  return {
    config: cfg,
    baseDir: '/repo',
    stateDir: '/repo/.fusion',
    env,
    nodePath: '/usr/bin/node',
    tsxImport: 'file:///tsx/index.mjs',
    postgresEntry: '/repo/postgres-main.ts',
    controlPlaneEntry: '/repo/control-plane/main.ts',
    proxyEntry: '/repo/proxy/main.ts',
    configPath: '/repo/fusion.yaml',
    pkiDir: '/repo/.fusion/pki',
    trustAnchorsPem: '-----BEGIN CERTIFICATE-----\n…',
  };
}

describe('buildPlan on the real fusion.yaml', () => {
  const plan = buildPlan(inputs(config(realFile)));
  const names = plan.components.map((c) => c.name);

  test('infrastructure, control plane, then services with dependencies before dependents', () => {
    assert.deepEqual(
      plan.components.slice(0, 2).map((c) => [c.name, c.tier]),
      [
        ['postgres', 'infrastructure'],
        ['control-plane', 'control-plane'],
      ],
    );
    assert.equal(names.at(-1), 'api-gateway');
    assert.ok(names.indexOf('identity') < names.indexOf('ai-kernel'));
    assert.ok(names.indexOf('ai-kernel') < names.indexOf('cv-engine'));
    // postgres, control plane, and nine services each behind its sidecar.
    assert.equal(names.length, 2 + 9 * 2);
  });

  test('every app starts after its own sidecar, which owns the published port', () => {
    for (const service of plan.components.filter((c) => c.tier === 'services')) {
      if (service.name.endsWith('-proxy')) continue;
      const sidecar = plan.components.find((c) => c.name === `${service.name}-proxy`)!;
      assert.ok(service.dependsOn.includes(sidecar.name), service.name);
      assert.ok(names.indexOf(sidecar.name) < names.indexOf(service.name));
    }
    const kernel = plan.components.find((c) => c.name === 'ai-kernel-proxy')!;
    assert.deepEqual(kernel.sidecar, {
      inbound: '127.0.0.1:8001',
      outbound: '127.0.0.1:28001',
      admin: '127.0.0.1:29001',
      app: '127.0.0.1:18001',
    });
    assert.deepEqual(kernel.args, [
      '--max-semi-space-size=4',
      '--import',
      'file:///tsx/index.mjs',
      '/repo/proxy/main.ts',
    ]);
    assert.equal(
      kernel.readiness.kind === 'http' && kernel.readiness.url,
      'http://127.0.0.1:29001/ready',
    );
    assert.equal(kernel.env.LINKERD2_PROXY_INBOUND_LISTEN_ADDR, '127.0.0.1:8001');
    assert.equal(kernel.env.FUSION_PROXY_APP_ADDR, '127.0.0.1:18001');
    assert.equal(kernel.env.LINKERD2_PROXY_INBOUND_DEFAULT_POLICY, 'all-authenticated');
    // mesh.http1's defaults, spelt so the proxy reads them back (env/http1-env.ts).
    assert.equal(kernel.env.FUSION_PROXY_HTTP1_MAX_REQUEST_LINE_BYTES, '8192');
    assert.equal(kernel.env.FUSION_PROXY_HTTP1_MAX_HEADER_BYTES, '65536');
    assert.equal(kernel.env.FUSION_PROXY_HTTP1_MAX_HEADERS, '100');
    assert.equal(kernel.env.FUSION_PROXY_HTTP1_HEADER_TIMEOUT, '10000ms');
    assert.equal(kernel.env.FUSION_PROXY_HTTP1_IDLE_TIMEOUT, '60000ms');
    assert.equal(kernel.env.LINKERD2_PROXY_DESTINATION_SVC_ADDR, '127.0.0.1:8086');
    assert.equal(
      kernel.env.LINKERD2_PROXY_DESTINATION_SVC_NAME,
      'destination.fusion.serviceaccount.identity.cluster.local',
    );
    assert.equal(kernel.env.FUSION_PROXY_EXTERNAL, 'false');
    const gateway = plan.components.find((c) => c.name === 'api-gateway-proxy')!;
    assert.equal(gateway.env.FUSION_PROXY_EXTERNAL, 'true');
  });

  test('the control plane gets the config, the PKI and its two listeners', () => {
    const cp = plan.components.find((c) => c.name === 'control-plane')!;
    assert.deepEqual(cp.args, ['--import', 'file:///tsx/index.mjs', '/repo/control-plane/main.ts']);
    assert.equal(cp.env.FUSION_CONFIG, '/repo/fusion.yaml');
    assert.equal(cp.env.FUSION_PKI_DIR, '/repo/.fusion/pki');
    assert.equal(cp.env.FUSION_IDENTITY_LISTEN_ADDR, '127.0.0.1:8080');
    assert.equal(cp.env.FUSION_DESTINATION_LISTEN_ADDR, '127.0.0.1:8086');
    assert.equal(cp.env.FUSION_CONTROL_PLANE_ADMIN_ADDR, '127.0.0.1:9990');
    assert.equal(cp.env.FUSION_API_LISTEN_ADDR, '127.0.0.1:8084');
    // The CLI finds the public API as the control plane's last address.
    assert.deepEqual(cp.listen.at(-1), { host: '127.0.0.1', port: 8084 });
    assert.equal(cp.readiness.kind === 'http' && cp.readiness.url, 'http://127.0.0.1:9990/ready');
  });

  test('every sidecar gets Linkerd’s identity variables and its own token file; apps none', () => {
    const kernel = plan.components.find((c) => c.name === 'ai-kernel-proxy')!;
    assert.equal(kernel.identity, 'ai-kernel.default.serviceaccount.identity.cluster.local');
    assert.equal(kernel.env.LINKERD2_PROXY_IDENTITY_LOCAL_NAME, kernel.identity);
    assert.equal(
      kernel.env.LINKERD2_PROXY_IDENTITY_TOKEN_FILE,
      '/repo/.fusion/run/tokens/ai-kernel-proxy.jwt',
    );
    const app = plan.components.find((c) => c.name === 'ai-kernel')!;
    assert.equal(app.identity, undefined);
    assert.equal(app.env.LINKERD2_PROXY_IDENTITY_TOKEN_FILE, undefined);
    assert.equal(kernel.env.LINKERD2_PROXY_IDENTITY_SVC_ADDR, '127.0.0.1:8080');
    assert.equal(
      kernel.env.LINKERD2_PROXY_IDENTITY_SVC_NAME,
      'identity.fusion.serviceaccount.identity.cluster.local',
    );
    assert.match(kernel.env.LINKERD2_PROXY_IDENTITY_TRUST_ANCHORS!, /BEGIN CERTIFICATE/);
  });

  test('the embedded PostgreSQL gets its port and a data directory under the state directory', () => {
    const pg = plan.components[0]!;
    assert.equal(plan.embeddedPostgres, true);
    assert.equal(pg.env.FUSION_PG_PORT, '55432');
    assert.equal(pg.env.FUSION_PG_DATA_DIR, '/repo/.fusion/data/postgres');
    assert.deepEqual(pg.readiness, {
      kind: 'tcp',
      host: '127.0.0.1',
      port: 55432,
      timeoutMs: 120_000,
    });
    assert.equal(plan.databaseUrl, 'postgres://postgres@127.0.0.1:55432/postgres');
    assert.equal(pg.env.FUSION_PG_TEMPLATE_DIR, undefined);
    const cached = buildPlan({ ...inputs(config(realFile)), postgresTemplateDir: '/cache/pg' });
    assert.equal(cached.components[0]!.env.FUSION_PG_TEMPLATE_DIR, '/cache/pg');
  });

  test('only what needs the database waits for it; sidecars need the control plane alone', () => {
    const byName = new Map(plan.components.map((c) => [c.name, c]));
    assert.deepEqual(byName.get('control-plane')!.dependsOn, []);
    for (const c of plan.components.filter((x) => x.sidecar)) {
      assert.deepEqual(c.dependsOn, ['control-plane'], c.name);
    }
    // identity owns data; vision does not, and starts whatever PostgreSQL is doing.
    assert.ok(byName.get('identity')!.dependsOn.includes('postgres'));
    assert.deepEqual(byName.get('vision')!.dependsOn, ['vision-proxy']);
  });

  test('each service runs its entry through tsx with the supervisor contract environment', () => {
    const identity = plan.components.find((c) => c.name === 'identity')!;
    assert.equal(identity.command, '/usr/bin/node');
    assert.deepEqual(identity.args, [
      '--max-semi-space-size=4',
      '--import',
      'file:///tsx/index.mjs',
      '/repo/services/identity/src/main.ts',
    ]);
    assert.equal(identity.env.PORT, '18002');
    assert.equal(identity.env.HOST, '127.0.0.1');
    assert.equal(identity.env.DATABASE_URL, plan.databaseUrl);
    assert.equal(identity.env.LOG_LEVEL, 'info');
    assert.deepEqual(identity.readiness, {
      kind: 'http',
      url: 'http://127.0.0.1:18002/ready',
      timeoutMs: 60_000,
    });
    assert.equal(identity.env.FUSION_MESH_OUTBOUND, 'http://127.0.0.1:28002');
    assert.equal(identity.env.FUSION_MESH_ENDPOINTS, undefined);
  });

  test('only data owners get DATABASE_URL; dependencies are passed on', () => {
    const vision = plan.components.find((c) => c.name === 'vision')!;
    assert.equal(vision.env.DATABASE_URL, undefined);
    const gateway = plan.components.find((c) => c.name === 'api-gateway')!;
    assert.equal(gateway.env.FUSION_DEPENDENCIES!.split(',').length, 8);
  });
});

describe('buildPlan variations', () => {
  test('DATABASE_URL replaces the embedded server; REDIS_URL is passed through', () => {
    const env = { DATABASE_URL: 'postgres://u@db:5432/app', REDIS_URL: 'redis://127.0.0.1:6379' };
    const plan = buildPlan(inputs(config(realFile), env));
    assert.equal(plan.embeddedPostgres, false);
    assert.ok(!plan.components.some((c) => c.name === 'postgres'));
    const identity = plan.components.find((c) => c.name === 'identity')!;
    assert.equal(identity.env.DATABASE_URL, 'postgres://u@db:5432/app');
    assert.equal(identity.env.REDIS_URL, 'redis://127.0.0.1:6379');
  });

  test('a version of a service runs its program, under that name, with its own identity', () => {
    const text = `version: 1
services:
  ai-kernel: { port: 9001, entry: kernel.ts, database: true }
  ai-kernel-canary: { port: 9002, entry: kernel.ts, database: true, versionOf: ai-kernel }
`;
    const plan = buildPlan(inputs(config(text)));
    const canary = plan.components.find((c) => c.name === 'ai-kernel-canary')!;
    assert.equal(canary.env.FUSION_SERVICE_NAME, 'ai-kernel');
    assert.ok(canary.env.DATABASE_URL);
    const sidecar = plan.components.find((c) => c.name === 'ai-kernel-canary-proxy')!;
    assert.match(sidecar.env.LINKERD2_PROXY_IDENTITY_LOCAL_NAME!, /^ai-kernel-canary\./);
  });

  test('replicas share the port on their own loopback addresses; dependents wait for all', () => {
    const text = `version: 1
services:
  api: { port: 9001, entry: api.ts, replicas: 3 }
  web: { port: 9000, command: [python3, -m, http.server], dependsOn: [api], env: { MODE: fast } }
`;
    const plan = buildPlan(inputs(config(text)));
    assert.deepEqual(
      plan.components
        .filter((c) => c.tier === 'services')
        .map((c) => [c.name, c.listen[0]!.host, c.listen[0]!.port]),
      [
        ['api-proxy', '127.0.0.1', 9001],
        ['api', '127.0.0.1', 19001],
        ['api-1-proxy', '127.0.0.2', 9001],
        ['api-1', '127.0.0.2', 19001],
        ['api-2-proxy', '127.0.0.3', 9001],
        ['api-2', '127.0.0.3', 19001],
        ['web-proxy', '127.0.0.1', 9000],
        ['web', '127.0.0.1', 19000],
      ],
    );
    const web = plan.components.at(-1)!;
    assert.deepEqual(web.dependsOn, ['web-proxy', 'api', 'api-1', 'api-2']);
    assert.equal(web.command, 'python3');
    assert.deepEqual(web.args, ['-m', 'http.server']);
    assert.equal(web.env.MODE, 'fast');
    assert.equal(plan.components.find((c) => c.name === 'api-1')!.env.HOST, '127.0.0.2');
    const sidecar = plan.components.find((c) => c.name === 'api-1-proxy')!;
    assert.equal(
      sidecar.env.LINKERD2_PROXY_IDENTITY_TOKEN_FILE,
      '/repo/.fusion/run/tokens/api-1-proxy.jwt',
    );
    assert.equal(sidecar.env.FUSION_PROXY_INSTANCE, 'api-1');
    // The app asks its sidecar to leave discovery before it is stopped.
    assert.deepEqual(plan.components.find((c) => c.name === 'api-1')!.preStop, {
      url: 'http://127.0.0.2:30001/deregister',
      settleMs: 500,
    });
  });

  test('a port without room for its sidecar, or two components on one address, is refused', () => {
    const high = config(`version: 1
services:
  api: { port: 50000, entry: api.ts }
`);
    assert.throws(() => buildPlan(inputs(high)), /port 50000 leaves no room for its sidecar/);
    const clash = config(`version: 1
services:
  api: { port: 9001, entry: api.ts }
  web: { port: 19001, entry: web.ts }
`);
    assert.throws(
      () => buildPlan(inputs(clash)),
      /127\.0\.0\.1:19001 would be used by both api and web-proxy/,
    );
  });

  test('an opaque service: its sidecar pipes its port; callers reach it through their own upstream listener', () => {
    const cfg = config(`version: 1
services:
  db: { port: 9432, command: [postgres], protocol: tcp }
  api: { port: 9001, entry: api.ts, dependsOn: [db], replicas: 2 }
`);
    const plan = buildPlan(inputs(cfg));
    const db = plan.components.find((c) => c.name === 'db-proxy')!;
    assert.equal(db.env.LINKERD2_PROXY_INBOUND_PORTS_DISABLE_PROTOCOL_DETECTION, '9432');
    assert.equal(db.env.FUSION_PROXY_OUTBOUND_TCP, undefined);
    const dbApp = plan.components.find((c) => c.name === 'db')!;
    assert.deepEqual(dbApp.readiness, {
      kind: 'tcp',
      host: '127.0.0.1',
      port: 19432,
      timeoutMs: 60_000,
    });
    for (const [replica, host] of [
      ['api', '127.1.2.1'],
      ['api-1', '127.1.2.2'],
    ] as const) {
      const sidecar = plan.components.find((c) => c.name === `${replica}-proxy`)!;
      assert.equal(sidecar.env.FUSION_PROXY_OUTBOUND_TCP, `db=${host}:9432`);
      assert.ok(sidecar.listen.some((a) => a.host === host && a.port === 9432));
      const app = plan.components.find((c) => c.name === replica)!;
      assert.deepEqual(JSON.parse(app.env.FUSION_MESH_TCP_ENDPOINTS!), { db: `${host}:9432` });
    }
  });

  test('a bundled sidecar runs on node alone, with source maps', () => {
    const plan = buildPlan({ ...inputs(config(realFile)), proxyEntry: '/cache/fusion-proxy.mjs' });
    const sidecar = plan.components.find((c) => c.name === 'vision-proxy')!;
    assert.deepEqual(sidecar.args, [
      '--max-semi-space-size=4',
      '--enable-source-maps',
      '/cache/fusion-proxy.mjs',
    ]);
  });

  test('a bundled app runs on node alone, with source maps; an app not bundled through tsx', () => {
    const plan = buildPlan({
      ...inputs(config(realFile)),
      appPrograms: { '/repo/services/identity/src/main.ts': '/cache/app-identity.mjs' },
    });
    const identity = plan.components.find((c) => c.name === 'identity')!;
    assert.equal(identity.command, '/usr/bin/node');
    assert.deepEqual(identity.args, [
      '--max-semi-space-size=4',
      '--enable-source-maps',
      '/cache/app-identity.mjs',
    ]);
    const kernel = plan.components.find((c) => c.name === 'ai-kernel')!;
    assert.deepEqual(kernel.args, [
      '--max-semi-space-size=4',
      '--import',
      'file:///tsx/index.mjs',
      '/repo/services/ai-kernel/src/main.ts',
    ]);
  });

  test('a bundled embedded PostgreSQL runs on node alone, free to collect its garbage', () => {
    const plan = buildPlan({ ...inputs(config(realFile)), postgresEntry: '/cache/pg.mjs' });
    assert.deepEqual(plan.components[0]!.args, [
      '--expose-gc',
      '--enable-source-maps',
      '/cache/pg.mjs',
    ]);
  });

  test('grpc and http2 apps are spoken to as h2c by their sidecar', () => {
    const cfg = config(`version: 1
services:
  rpc: { port: 9001, entry: rpc.ts, protocol: grpc }
`);
    const sidecar = buildPlan(inputs(cfg)).components.find((c) => c.name === 'rpc-proxy')!;
    assert.equal(sidecar.env.FUSION_PROXY_APP_PROTOCOL, 'h2c');
  });

  test('orderByDependencies keeps file order among independent services', () => {
    const cfg = config(`version: 1
services:
  c: { port: 1, entry: c.ts, dependsOn: [b] }
  a: { port: 2, entry: a.ts }
  b: { port: 3, entry: b.ts }
`);
    assert.deepEqual(
      orderByDependencies(Object.values(cfg.services)).map((s) => s.name),
      ['b', 'c', 'a'],
    );
  });
});
