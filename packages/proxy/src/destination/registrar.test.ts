/** The registrar against the real destination service: lease kept, rebuilt after a restart, refused when foreign. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { captureLogger, until } from '../../../identity-client/src/testing/index.ts';
import { quietLogger, startTestMesh, type TestMesh, type TestWorkload } from '../testing/mesh.ts';
import { DestinationConnection } from './connection.ts';
import { advertisedAddress, Registrar } from './registrar.ts';

const FAST = { minMs: 20, maxMs: 200, jitter: 0.5 };

describe('registrar', () => {
  let mesh: TestMesh;
  let kernel: TestWorkload;
  let gateway: TestWorkload;
  before(async () => {
    // A lease of 1.5 s renewed every 100 ms: it lapses only if heartbeats stop altogether.
    mesh = await startTestMesh({ destination: { ttlMs: 1_500, heartbeatMs: 100, rebuildMs: 0 } });
    kernel = await mesh.workload('ai-kernel');
    gateway = await mesh.workload('api-gateway');
  });
  after(() => mesh.close());

  function connectionAs(workload: TestWorkload, logger = quietLogger()) {
    const connection = new DestinationConnection({
      address: mesh.destination!.address,
      serverName: mesh.destination!.serverName,
      credentials: () => workload.client.credentials(),
      logger,
      backoff: FAST,
    });
    connection.start();
    return connection;
  }

  const registered = (service: string) =>
    mesh.destination!.current().endpoints.snapshot(service).endpoints;

  it('registers, keeps the lease alive past its ttl, and deregisters', async () => {
    const connection = connectionAs(kernel);
    const registrar = new Registrar({
      connection,
      registration: { address: '127.0.0.1:4143', service: 'ai-kernel', instance: 'ai-kernel-0' },
      logger: quietLogger(),
      backoff: FAST,
    });
    try {
      await registrar.registered();
      assert.deepEqual(registered('ai-kernel'), [
        {
          address: '127.0.0.1:4143',
          identity: kernel.identity,
          instance: 'ai-kernel-0',
          labels: {},
        },
      ]);
      const { leaseId } = registrar.state();
      // Past two leases' worth of time, only heartbeats can have kept it.
      await sleep(3_000);
      mesh.destination!.current().endpoints.sweep();
      assert.equal(registered('ai-kernel').length, 1);
      assert.equal(registrar.state().leaseId, leaseId);
      assert.equal(registrar.state().registrations, 1);

      assert.equal(await registrar.deregister(), true);
      assert.deepEqual(registered('ai-kernel'), []);
      assert.equal(registrar.state().registered, false);
    } finally {
      registrar.stop();
      connection.close();
    }
  });

  it('registers again with a restarted control plane, which rebuilds its registry from it', async () => {
    const connection = connectionAs(kernel);
    const registrar = new Registrar({
      connection,
      registration: { address: '127.0.0.1:4144', service: 'ai-kernel', instance: 'ai-kernel-1' },
      logger: quietLogger(),
      backoff: FAST,
    });
    try {
      await registrar.registered();
      const first = registrar.state().leaseId;
      await mesh.destination!.stop();
      await mesh.destination!.start();
      assert.deepEqual(registered('ai-kernel'), [], 'a restarted registry starts empty');
      await until(() => registrar.state().registrations === 2, 'the re-registration');
      assert.deepEqual(
        registered('ai-kernel').map((e) => e.address),
        ['127.0.0.1:4144'],
      );
      assert.notEqual(registrar.state().leaseId, first);
    } finally {
      await registrar.deregister();
      connection.close();
    }
  });

  it('is refused, says why and stays unregistered when the certificate names another service', async () => {
    const { logger, lines } = captureLogger();
    const connection = connectionAs(gateway);
    const registrar = new Registrar({
      connection,
      registration: { address: '127.0.0.1:4145', service: 'ai-kernel', instance: 'ai-kernel-2' },
      logger,
      backoff: FAST,
    });
    try {
      await until(() => registrar.state().lastError !== null, 'the refusal');
      assert.match(
        String(registrar.state().lastError),
        /^403 service-identity-mismatch: api-gateway\.default\.\S+ may register only as service 'api-gateway', not 'ai-kernel'$/,
      );
      // It keeps trying (the certificate could change), but says so once.
      const refusals = () =>
        Number(
          /destination_registrations_refused_total\{reason="service-identity-mismatch"\} (\d+)/.exec(
            mesh.destination!.metrics(),
          )?.[1],
        );
      await until(() => refusals() >= 3, 'two retries');
      assert.equal(lines.filter((l) => l.level === 'error').length, 1);
      assert.equal(registrar.state().registered, false);
      assert.deepEqual(registered('ai-kernel'), []);
    } finally {
      registrar.stop();
      connection.close();
    }
    await assert.rejects(registrar.registered(), /stopped before registering/);
  });
});

describe('advertisedAddress', () => {
  it('advertises the bound address, loopback for a wildcard bind, IPv6 in brackets', () => {
    assert.equal(advertisedAddress({ address: '127.0.0.3', port: 8001 }), '127.0.0.3:8001');
    assert.equal(advertisedAddress({ address: '0.0.0.0', port: 4143 }), '127.0.0.1:4143');
    assert.equal(advertisedAddress({ address: '::', port: 4143 }), '127.0.0.1:4143');
    assert.equal(advertisedAddress({ address: '::1', port: 4143 }), '[::1]:4143');
  });
});
