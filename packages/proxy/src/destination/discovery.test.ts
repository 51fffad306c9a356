/**
 * The proxy's discovery against the real destination service: pushed changes, the cache kept
 * while the control plane is away, and the resynchronisation when it comes back.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { workloadIdentity } from '@fusion/pki';
import { captureLogger, until } from '../../../identity-client/src/testing/index.ts';
import {
  quietLogger,
  startTestMesh,
  type TestDestination,
  type TestMesh,
  type TestWorkload,
} from '../testing/mesh.ts';
import { startDestinationClient } from './client.ts';

const FAST = { minMs: 20, maxMs: 200, jitter: 0.5 };

function clientFor(mesh: TestMesh, workload: TestWorkload, initialTimeoutMs = 5_000) {
  return startDestinationClient({
    address: mesh.destination!.address,
    serverName: mesh.destination!.serverName,
    credentials: () => workload.client.credentials(),
    logger: quietLogger(),
    backoff: FAST,
    initialTimeoutMs,
  });
}

function changes(client: ReturnType<typeof clientFor>): string[] {
  const seen: string[] = [];
  client.discovery.on('change', (service) => seen.push(service));
  return seen;
}

/** Registers straight into the running registry, as a proxy of `service` at `port` would. */
function registerDirectly(
  destination: TestDestination,
  mesh: TestMesh,
  service: string,
  port: number,
) {
  return destination.current().endpoints.register({
    caller: workloadIdentity(service, 'default', mesh.trustDomain),
    service,
    address: `127.0.0.1:${port}`,
    instance: `${service}-${port}`,
    labels: {},
  });
}

const addresses = (client: ReturnType<typeof clientFor>, service: string) =>
  client.discovery.resolve(service)?.map((e) => e.address);

describe('destination discovery', () => {
  let mesh: TestMesh;
  let gateway: TestWorkload;
  before(async () => {
    mesh = await startTestMesh({ destination: { rebuildMs: 0 } });
    gateway = await mesh.workload('api-gateway');
  });
  after(() => mesh.close());

  it('watches a service on first resolve and is told of each change as it happens', async (t) => {
    const client = clientFor(mesh, gateway);
    try {
      const seen = changes(client);
      assert.equal(client.discovery.resolve('ai-kernel'), undefined, 'no answer on the first call');
      await client.discovery.whenResolved('ai-kernel');
      assert.deepEqual(client.discovery.resolve('ai-kernel'), []);
      assert.equal(client.discovery.whenResolved('ai-kernel'), undefined);

      const started = performance.now();
      const pushed = new Promise<number>((resolve) =>
        client.discovery.once('change', () => resolve(performance.now() - started)),
      );
      const lease = registerDirectly(mesh.destination!, mesh, 'ai-kernel', 4143);
      const elapsedMs = await pushed;
      t.diagnostic(`registration in the registry -> watcher's change: ${elapsedMs.toFixed(1)} ms`);
      assert.deepEqual(client.discovery.resolve('ai-kernel'), [
        {
          address: '127.0.0.1:4143',
          identity: 'ai-kernel.default.serviceaccount.identity.mesh.test',
          instance: 'ai-kernel-4143',
          labels: {},
        },
      ]);

      mesh
        .destination!.current()
        .endpoints.deregister(lease.id, workloadIdentity('ai-kernel', 'default', mesh.trustDomain));
      await until(() => seen.length === 3, 'the removal');
      assert.deepEqual(client.discovery.resolve('ai-kernel'), []);
      assert.deepEqual(seen, ['ai-kernel', 'ai-kernel', 'ai-kernel']);
      assert.deepEqual(client.discovery.services(), ['ai-kernel']);
    } finally {
      client.close();
    }
  });

  it('does not watch names that can be no service, such as an IP address', async () => {
    const client = clientFor(mesh, gateway);
    try {
      assert.equal(client.discovery.resolve('10.0.0.1'), undefined);
      assert.equal(client.discovery.whenResolved('10.0.0.1'), undefined, 'unknown at once');
      assert.equal(client.discovery.resolve('Not_A_Service'), undefined);
      assert.deepEqual(Object.keys(client.discovery.state()), []);
    } finally {
      client.close();
    }
  });

  it('keeps routing on its cache while the control plane is down, and resynchronises when it returns', async () => {
    const destination = mesh.destination!;
    registerDirectly(destination, mesh, 'vision', 5001);
    // Long enough for the first answer on a loaded machine; the wait for 'plugin' gives up after it.
    const client = clientFor(mesh, gateway, 2_000);
    try {
      client.discovery.resolve('vision');
      await client.discovery.whenResolved('vision');
      assert.deepEqual(addresses(client, 'vision'), ['127.0.0.1:5001']);
      const seen = changes(client);

      await destination.stop();
      await until(() => !client.state().connection.connected, 'the connection to drop');
      assert.deepEqual(addresses(client, 'vision'), ['127.0.0.1:5001'], 'the cache stays');
      // A service never asked about before has no cache to fall back on: its wait gives up.
      await assert.rejects(
        client.discovery.whenResolved('plugin')!,
        /has not answered for 'plugin' within 2000 ms: /,
      );

      // The new control plane knows another replica (the old one did not come back).
      await destination.start();
      registerDirectly(destination, mesh, 'vision', 5002);
      await until(() => addresses(client, 'vision')?.[0] === '127.0.0.1:5002', 'the resync');
      assert.deepEqual(addresses(client, 'vision'), ['127.0.0.1:5002']);
      assert.equal(client.state().connection.connects, 2);
      assert.ok(seen.length >= 1);
      await until(() => client.discovery.resolve('plugin') !== undefined, 'the pending watch');
    } finally {
      client.close();
    }
  });
});

describe('destination discovery after a control-plane restart with a rebuild window', () => {
  let mesh: TestMesh;
  let gateway: TestWorkload;
  before(async () => {
    mesh = await startTestMesh({ destination: { rebuildMs: 1_000 } });
    gateway = await mesh.workload('api-gateway');
  });
  after(() => mesh.close());

  it('adds what the rebuilding registry names, removes nothing until it is complete', async () => {
    const destination = mesh.destination!;
    const client = clientFor(mesh, gateway);
    try {
      registerDirectly(destination, mesh, 'ai-kernel', 4001);
      client.discovery.resolve('ai-kernel');
      await until(() => addresses(client, 'ai-kernel')?.length === 1, 'the first set');

      await destination.stop();
      await destination.start();
      registerDirectly(destination, mesh, 'ai-kernel', 4002);
      await until(() => addresses(client, 'ai-kernel')?.length === 2, 'the re-registered replica');
      const during = client.state().services['ai-kernel']!;
      assert.equal(during.complete, false);
      assert.deepEqual(
        during.endpoints.map((e) => e.address),
        ['127.0.0.1:4002', '127.0.0.1:4001'],
        'the replica that did not come back is kept while the registry rebuilds',
      );

      await until(() => client.state().services['ai-kernel']?.complete === true, 'completion');
      assert.deepEqual(addresses(client, 'ai-kernel'), ['127.0.0.1:4002']);
    } finally {
      client.close();
    }
  });

  it('logs a warning once per outage, not once per attempt', async () => {
    const { logger, lines } = captureLogger();
    const client = startDestinationClient({
      address: '127.0.0.1:1',
      serverName: mesh.destination!.serverName,
      credentials: () => gateway.client.credentials(),
      logger,
      backoff: FAST,
    });
    try {
      await until(
        () => lines.filter((l) => /still unreachable/.test(String(l.msg))).length >= 3,
        'retries',
      );
      const warnings = lines.filter((l) => l.level === 'warn');
      assert.equal(warnings.length, 1);
      assert.match(String(warnings[0]?.msg), /unreachable; routing on the endpoints last received/);
    } finally {
      client.close();
    }
  });
});
