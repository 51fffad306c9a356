/**
 * Two proxies that find each other through the destination service, as `fusion up` runs them:
 * each registers its inbound endpoint and discovers the other's. The control plane is then
 * killed — traffic keeps flowing on the proxies' caches — and a new one started on its port,
 * whose registry the proxies rebuild by registering again.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { Registry } from '@fusion/telemetry';
import { until } from '../../identity-client/src/testing/index.ts';
import { type DestinationClient, startDestinationClient } from './destination/index.ts';
import { PROXY_ERROR_HEADER } from './errors/rescue.ts';
import { startInbound } from './inbound/index.ts';
import { startOutbound } from './outbound/index.ts';
import { quietLogger, startTestMesh, type TestMesh } from './testing/mesh.ts';

const FAST = { minMs: 20, maxMs: 300, jitter: 0.5 };

interface Sidecar {
  readonly service: string;
  readonly outboundPort: number;
  readonly inboundAddress: string;
  readonly destination: DestinationClient;
  close(): Promise<void>;
}

async function startApp(name: string): Promise<http.Server> {
  const app = http.createServer((req, res) =>
    res.end(`${name} answers ${req.url} for ${req.headers['l5d-client-id']}`),
  );
  app.listen(0, '127.0.0.1');
  await once(app, 'listening');
  return app;
}

/** One sidecar as main assembles it: inbound, destination client, registration, outbound. */
async function startSidecar(
  mesh: TestMesh,
  service: string,
  app: http.Server,
  instance = `${service}-0`,
  beforeRegistering: (destination: DestinationClient) => Promise<void> = async () => {},
): Promise<Sidecar> {
  const workload = await mesh.workload(service);
  const registry = new Registry();
  const destination = startDestinationClient({
    address: mesh.destination!.address,
    serverName: mesh.destination!.serverName,
    credentials: () => workload.client.credentials(),
    logger: quietLogger(),
    backoff: FAST,
  });
  const inbound = await startInbound({
    listen: { host: '127.0.0.1', port: 0 },
    app: { host: '127.0.0.1', port: (app.address() as AddressInfo).port },
    identity: workload.client,
    defaultPolicy: 'all-authenticated',
    registry,
    logger: quietLogger(),
  });
  await beforeRegistering(destination);
  const registrar = destination.registerInbound(inbound.address, service, instance);
  const outbound = await startOutbound({
    listen: { host: '127.0.0.1', port: 0 },
    identity: workload.client,
    discovery: destination.discovery,
    registry,
    logger: quietLogger(),
  });
  await registrar.registered();
  let closed: Promise<void> | undefined;
  return {
    service,
    outboundPort: outbound.address.port,
    inboundAddress: `127.0.0.1:${inbound.address.port}`,
    destination,
    close: () =>
      (closed ??= (async () => {
        await registrar.deregister();
        await outbound.close();
        await inbound.close();
        destination.close();
      })()),
  };
}

function nextChange(sidecar: Sidecar, service: string): Promise<void> {
  return new Promise((resolve) => {
    const listener = (changed: string) => {
      if (changed !== service) return;
      sidecar.destination.discovery.off('change', listener);
      resolve();
    };
    sidecar.destination.discovery.on('change', listener);
  });
}

function call(
  from: Sidecar,
  service: string,
  path = '/',
): Promise<{ status: number; body: string; error: string | undefined }> {
  return new Promise((resolve, reject) => {
    http
      .get(
        { host: '127.0.0.1', port: from.outboundPort, path, headers: { host: service } },
        (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            body += chunk;
          });
          res.on('end', () =>
            resolve({
              status: res.statusCode ?? 0,
              body,
              error: res.headers[PROXY_ERROR_HEADER] as string | undefined,
            }),
          );
        },
      )
      .on('error', reject);
  });
}

describe('two proxies discovering each other through the destination service', () => {
  let mesh: TestMesh;
  let gateway: Sidecar;
  let kernel: Sidecar;
  const apps: http.Server[] = [];
  /** Sidecars a test started, closed (again, harmlessly) at the end whatever happened. */
  const closers: (() => Promise<void>)[] = [];

  before(async () => {
    // Short leases so that the test's restart is like a real one, rebuilt within one lease.
    mesh = await startTestMesh({
      destination: { ttlMs: 3_000, heartbeatMs: 500, rebuildMs: 1_000 },
    });
    apps.push(await startApp('api-gateway'), await startApp('ai-kernel'));
    gateway = await startSidecar(mesh, 'api-gateway', apps[0]!);
    kernel = await startSidecar(mesh, 'ai-kernel', apps[1]!);
  });
  after(async () => {
    for (const close of closers) await close();
    await gateway?.close();
    await kernel?.close();
    for (const app of apps) app.close();
    await mesh.close();
  });

  test("each one's first request finds the other, over mTLS with the registered identity", async (t) => {
    const toKernel = await call(gateway, 'ai-kernel', '/first');
    assert.equal(toKernel.status, 200, toKernel.error);
    assert.equal(
      toKernel.body,
      `ai-kernel answers /first for api-gateway.default.serviceaccount.identity.${mesh.trustDomain}`,
    );
    const toGateway = await call(kernel, 'api-gateway.default.svc.cluster.local:8000', '/back');
    assert.equal(toGateway.status, 200, toGateway.error);
    assert.match(toGateway.body, /^api-gateway answers \/back for ai-kernel\./);

    const held = gateway.destination.state().services['ai-kernel']!;
    assert.deepEqual(
      held.endpoints.map((e) => [e.address, e.identity, e.instance]),
      [
        [
          kernel.inboundAddress,
          `ai-kernel.default.serviceaccount.identity.${mesh.trustDomain}`,
          'ai-kernel-0',
        ],
      ],
    );
    t.diagnostic(`gateway holds ai-kernel version ${held.version}, received ${held.receivedAt}`);
  });

  test('a second replica joining and leaving reaches callers at once', async (t) => {
    // A fresh registry defers removals for its rebuild window; measure outside it.
    await until(
      () => gateway.destination.state().services['ai-kernel']?.complete === true,
      'the first rebuild window to close',
    );
    const app = await startApp('ai-kernel-1');
    apps.push(app);
    let joinedMs = 0;
    const replica = await startSidecar(mesh, 'ai-kernel', app, 'ai-kernel-1', async (own) => {
      await until(() => own.state().connection.connected, 'the replica to reach the control plane');
      const started = performance.now();
      void nextChange(gateway, 'ai-kernel').then(() => {
        joinedMs = performance.now() - started;
      });
    });
    closers.push(replica.close);
    await until(() => gateway.destination.discovery.resolve('ai-kernel')?.length === 2, 'the join');
    assert.deepEqual(
      gateway.destination
        .state()
        .services['ai-kernel']?.endpoints.map((e) => e.instance)
        .sort(),
      ['ai-kernel-0', 'ai-kernel-1'],
    );

    const leaving = performance.now();
    const left = nextChange(gateway, 'ai-kernel').then(() => performance.now() - leaving);
    await replica.close();
    const leftMs = await left;
    t.diagnostic(`registration -> caller's change: ${joinedMs.toFixed(1)} ms`);
    t.diagnostic(`deregistration -> caller's change: ${leftMs.toFixed(1)} ms`);
    assert.deepEqual(
      gateway.destination.discovery.resolve('ai-kernel')?.map((e) => e.address),
      [kernel.inboundAddress],
    );
    for (let i = 0; i < 5; i++) assert.equal((await call(gateway, 'ai-kernel')).status, 200);
  });

  test('with the control plane killed, requests still succeed on the cached endpoints', async () => {
    await mesh.destination!.stop();
    await until(
      () => !gateway.destination.state().connection.connected,
      'the gateway to notice the control plane is gone',
    );
    const answers = [];
    for (let i = 0; i < 20; i++) answers.push(await call(gateway, 'ai-kernel', `/down/${i}`));
    assert.deepEqual(
      answers.map((a) => a.status),
      Array(20).fill(200),
    );
    assert.equal((await call(kernel, 'api-gateway')).status, 200);
  });

  test('a new control plane rebuilds its registry from re-registrations, with no request failing', async () => {
    const statuses: number[] = [];
    let calling = true;
    const traffic = (async () => {
      while (calling) statuses.push((await call(gateway, 'ai-kernel', '/restart')).status);
    })();
    await mesh.destination!.start();
    const registry = () => mesh.destination!.current().endpoints;
    await until(
      () =>
        registry().snapshot('ai-kernel').endpoints.length === 1 &&
        registry().snapshot('api-gateway').endpoints.length === 1,
      'both proxies to register again',
    );
    await until(() => gateway.destination.state().connection.connected, 'the gateway to reconnect');
    calling = false;
    await traffic;

    assert.deepEqual(
      registry()
        .snapshot('ai-kernel')
        .endpoints.map((e) => e.address),
      [kernel.inboundAddress],
    );
    assert.equal(kernel.destination.registrar?.state().registrations, 2);
    assert.equal(gateway.destination.registrar?.state().registrations, 2);
    assert.ok(statuses.length > 0);
    assert.deepEqual(
      statuses.filter((s) => s !== 200),
      [],
      'no request failed',
    );
    assert.equal((await call(gateway, 'ai-kernel', '/after')).status, 200);
  });

  test('once the new registry is complete, a proxy that leaves is dropped and its callers fail fast', async () => {
    await until(
      () => gateway.destination.state().services['ai-kernel']?.complete === true,
      'the rebuild window to close',
    );
    const dropped = nextChange(gateway, 'ai-kernel');
    assert.equal(await kernel.destination.registrar?.deregister(), true);
    await dropped;
    assert.deepEqual(gateway.destination.discovery.resolve('ai-kernel'), []);
    const answer = await call(gateway, 'ai-kernel', '/gone');
    assert.equal(answer.status, 503);
    assert.match(
      String(answer.error),
      /^FAIL_FAST: service ai-kernel is unavailable: discovery names no endpoints/,
    );
  });
});
