import assert from 'node:assert/strict';
import { networkInterfaces } from 'node:os';
import { afterEach, describe, it } from 'node:test';
import { Registry, registerProcessMetrics } from '@fusion/telemetry';
import { createProxyLogger, type ProxyLogger } from '../logging/index.ts';
import { isLoopback } from './respond.ts';
import { type AdminOptions, type AdminServer, startAdmin } from './server.ts';

let admin: AdminServer | undefined;
afterEach(async () => {
  await admin?.close();
  admin = undefined;
});

interface Harness {
  readonly url: string;
  readonly logger: ProxyLogger;
  readonly lines: Record<string, unknown>[];
  readonly registry: Registry;
}

async function start(overrides: Partial<AdminOptions> = {}): Promise<Harness> {
  const lines: Record<string, unknown>[] = [];
  const logger = createProxyLogger({
    service: 'ai-kernel',
    filter: 'warn,linkerd=info',
    format: 'json',
    destination: { write: (line) => void lines.push(JSON.parse(line)) },
  });
  const registry = overrides.registry ?? new Registry();
  admin = await startAdmin({
    listen: { host: '127.0.0.1', port: 0 },
    registry,
    logger,
    readiness: () => ({ ready: true }),
    config: () => ({}),
    ...overrides,
  });
  return { url: `http://127.0.0.1:${admin.address.port}`, logger, lines, registry };
}

async function call(url: string, method = 'GET', body?: string) {
  const res = await fetch(url, { method, body });
  return {
    status: res.status,
    type: res.headers.get('content-type'),
    allow: res.headers.get('allow'),
    body: await res.text(),
  };
}

describe('admin server', () => {
  it('/live answers 200 live, and HEAD answers without a body', async () => {
    const { url } = await start({ readiness: () => ({ ready: false, reason: 'starting' }) });
    const live = await call(`${url}/live`);
    assert.deepEqual(live, {
      status: 200,
      type: 'text/plain; charset=utf-8',
      allow: null,
      body: 'live\n',
    });
    const head = await call(`${url}/live`, 'HEAD');
    assert.equal(head.status, 200);
    assert.equal(head.body, '');
  });

  it('/ready is 503 with the reason until the proxy is ready, then 200 ready', async () => {
    let state: { ready: boolean; reason?: string } = {
      ready: false,
      reason: 'waiting for the first identity certificate',
    };
    const { url } = await start({ readiness: () => state });
    const notReady = await call(`${url}/ready`);
    assert.equal(notReady.status, 503);
    assert.equal(notReady.body, 'not ready: waiting for the first identity certificate\n');
    state = { ready: true };
    const ready = await call(`${url}/ready`);
    assert.equal(ready.status, 200);
    assert.equal(ready.body, 'ready\n');
  });

  it('/metrics exposes the registry and process metrics as Prometheus text 0.0.4', async () => {
    const registry = new Registry();
    registry.counter({ name: 'request_total', help: 'Requests.' }).inc(7);
    const { url } = await start({ registry });
    const metrics = await call(`${url}/metrics`);
    assert.equal(metrics.status, 200);
    assert.match(metrics.type ?? '', /^text\/plain; version=0\.0\.4/);
    assert.match(metrics.body, /^request_total 7$/m);
    assert.match(metrics.body, /^process_resident_memory_bytes \d+/m);
    assert.match(metrics.body, /^process_cpu_seconds_total [\d.e-]+$/m);
  });

  it('leaves process metrics alone when the caller registered them already', async () => {
    const registry = new Registry();
    const own = registerProcessMetrics(registry);
    try {
      const { url } = await start({ registry });
      assert.match((await call(`${url}/metrics`)).body, /^process_start_time_seconds \d+$/m);
    } finally {
      own.stop();
    }
  });

  it('GET /proxy-log-level answers the filter in force', async () => {
    const { url } = await start();
    assert.deepEqual(await call(`${url}/proxy-log-level`), {
      status: 200,
      type: 'text/plain; charset=utf-8',
      allow: null,
      body: 'warn,linkerd=info\n',
    });
  });

  it('PUT /proxy-log-level applies the new filter at once and answers 204', async () => {
    const { url, logger, lines } = await start();
    const worker = logger.component('outbound');
    worker.debug('before');
    const put = await call(`${url}/proxy-log-level`, 'PUT', 'warn,linkerd=debug\n');
    assert.equal(put.status, 204);
    assert.equal((await call(`${url}/proxy-log-level`)).body, 'warn,linkerd=debug\n');
    worker.debug('after');
    const messages = lines.map((l) => l.msg);
    assert.deepEqual(messages, ['log filter changed', 'after']);
    assert.equal(lines[0]!.from, 'warn,linkerd=info');
    assert.equal(lines[0]!.to, 'warn,linkerd=debug');
    assert.equal(lines[0]!.component, 'admin');
  });

  it('PUT /proxy-log-level refuses a bad filter with 400 naming it and keeps the old one', async () => {
    const { url, logger } = await start();
    const bad = await call(`${url}/proxy-log-level`, 'PUT', 'warn,linkerd=loud');
    assert.equal(bad.status, 400);
    assert.match(bad.body, /^invalid log filter: 'linkerd=loud': 'loud' is not a level/);
    const empty = await call(`${url}/proxy-log-level`, 'PUT', '');
    assert.equal(empty.status, 400);
    assert.match(empty.body, /the filter is empty/);
    const huge = await call(`${url}/proxy-log-level`, 'PUT', 'info,'.repeat(2000));
    assert.equal(huge.status, 413);
    assert.equal(logger.level(), 'warn,linkerd=info');
  });

  it('POST /shutdown answers 202 and triggers the shutdown when enabled', async () => {
    let triggered!: () => void;
    const shutdownTriggered = new Promise<void>((resolve) => {
      triggered = resolve;
    });
    const { url } = await start({ shutdown: { enabled: true, trigger: () => triggered() } });
    const res = await call(`${url}/shutdown`, 'POST');
    assert.equal(res.status, 202);
    assert.equal(res.body, 'shutdown\n');
    await shutdownTriggered;
    const get = await call(`${url}/shutdown`);
    assert.equal(get.status, 405);
    assert.equal(get.allow, 'POST');
  });

  it('POST /shutdown is 404 when disabled or not configured, like Linkerd', async () => {
    let calls = 0;
    const disabled = await start({ shutdown: { enabled: false, trigger: () => calls++ } });
    assert.equal((await call(`${disabled.url}/shutdown`, 'POST')).status, 404);
    await admin?.close();
    const absent = await start();
    assert.equal((await call(`${absent.url}/shutdown`, 'POST')).status, 404);
    assert.equal(calls, 0);
  });

  it('POST /deregister leaves discovery and keeps serving; 404 for other methods', async () => {
    let calls = 0;
    const { url } = await start({
      deregister: async () => {
        calls++;
        return true;
      },
    });
    const res = await call(`${url}/deregister`, 'POST');
    assert.equal(res.status, 200);
    assert.deepEqual(JSON.parse(res.body), { deregistered: true, removed: true });
    assert.equal(calls, 1);
    assert.equal((await call(`${url}/live`)).status, 200);
    assert.notEqual((await call(`${url}/deregister`)).status, 200);
  });

  it('GET /config answers what the callback holds now, as JSON', async () => {
    let endpoints = [{ address: '127.0.0.1:18001', identity: 'ai-kernel.default' }];
    const { url } = await start({
      config: () => ({ defaultPolicy: 'all-authenticated', endpoints: { 'ai-kernel': endpoints } }),
    });
    const first = await call(`${url}/config`);
    assert.equal(first.status, 200);
    assert.equal(first.type, 'application/json; charset=utf-8');
    assert.deepEqual(JSON.parse(first.body), {
      defaultPolicy: 'all-authenticated',
      endpoints: { 'ai-kernel': [{ address: '127.0.0.1:18001', identity: 'ai-kernel.default' }] },
    });
    endpoints = [];
    assert.deepEqual(JSON.parse((await call(`${url}/config`)).body).endpoints, { 'ai-kernel': [] });
  });

  it("GET /env.json shows only the proxy's own variables, when given", async () => {
    const { url } = await start({
      env: {
        LINKERD2_PROXY_LOG: 'warn,linkerd=info',
        FUSION_PROXY_APP_ADDR: '127.0.0.1:18001',
        DATABASE_URL: 'postgres://secret@db/app',
      },
    });
    const res = await call(`${url}/env.json`);
    assert.equal(res.status, 200);
    assert.deepEqual(JSON.parse(res.body), {
      FUSION_PROXY_APP_ADDR: '127.0.0.1:18001',
      LINKERD2_PROXY_LOG: 'warn,linkerd=info',
    });
    await admin?.close();
    const without = await start();
    assert.equal((await call(`${without.url}/env.json`)).status, 404);
  });

  it('answers 404 for unknown paths and 405 with Allow for wrong methods', async () => {
    const { url } = await start();
    const missing = await call(`${url}/nope`);
    assert.equal(missing.status, 404);
    assert.equal(missing.body, 'not found: /nope\n');
    const post = await call(`${url}/ready`, 'POST');
    assert.equal(post.status, 405);
    assert.equal(post.allow, 'GET, HEAD');
    const del = await call(`${url}/proxy-log-level`, 'DELETE');
    assert.equal(del.status, 405);
    assert.equal(del.allow, 'GET, PUT, HEAD');
    assert.equal((await call(`${url}/metrics?name[]=x`)).status, 200);
  });

  it('refuses log-level, shutdown and env routes to callers not on loopback', async (t) => {
    const external = Object.values(networkInterfaces())
      .flat()
      .find((i) => i && i.family === 'IPv4' && !i.internal);
    if (!external) return t.skip('no non-loopback IPv4 interface on this host');
    let calls = 0;
    await start({
      listen: { host: '0.0.0.0', port: 0 },
      shutdown: { enabled: true, trigger: () => calls++ },
      env: {},
    });
    const url = `http://${external.address}:${admin!.address.port}`;
    assert.equal((await call(`${url}/ready`)).status, 200);
    for (const [path, method] of [
      ['/proxy-log-level', 'GET'],
      ['/proxy-log-level', 'PUT'],
      ['/shutdown', 'POST'],
      ['/env.json', 'GET'],
    ] as const) {
      const res = await call(`${url}${path}`, method, method === 'PUT' ? 'debug' : undefined);
      assert.equal(res.status, 403, `${method} ${path}`);
      assert.equal(res.body, 'Requests are only permitted from localhost.\n');
    }
    assert.equal(calls, 0);
  });

  it('stops answering once closed', async () => {
    const { url } = await start();
    await admin!.close();
    admin = undefined;
    await assert.rejects(fetch(`${url}/live`));
  });
});

describe('isLoopback', () => {
  it('knows IPv4, IPv6 and IPv4-mapped loopback from other addresses', () => {
    for (const a of ['127.0.0.1', '127.0.0.2', '::1', '::ffff:127.0.0.1'])
      assert.ok(isLoopback(a), a);
    for (const a of ['10.0.0.1', '::ffff:10.0.0.1', 'fe80::1', '', undefined])
      assert.equal(isLoopback(a), false, String(a));
  });
});
