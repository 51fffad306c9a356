import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { DestinationUpdate } from '@fusion/mesh-types';
import { workloadIdentity } from '@fusion/pki';
import type { DestinationRefusal } from './refusal.ts';
import { EndpointRegistry, type EndpointRegistryOptions, type Registration } from './registry.ts';

const KERNEL = workloadIdentity('ai-kernel', 'default', 'mesh.test');
const GATEWAY = workloadIdentity('api-gateway', 'default', 'mesh.test');

/** A registry on a clock the test moves by hand. */
function registryAt(options: Partial<EndpointRegistryOptions> = {}) {
  let now = 1_000_000;
  const registry = new EndpointRegistry({
    ttlMs: 10_000,
    heartbeatMs: 3_000,
    rebuildMs: 0,
    now: () => now,
    ...options,
  });
  const advance = (ms: number) => {
    now += ms;
  };
  return { registry, advance };
}

const kernelAt = (port: number, instance = `ai-kernel-${port}`): Registration => ({
  caller: KERNEL,
  service: 'ai-kernel',
  address: `127.0.0.1:${port}`,
  instance,
  labels: {},
});

function watched(registry: EndpointRegistry, service: string) {
  const updates: DestinationUpdate[] = [];
  const unwatch = registry.watch(service, (u) => updates.push(u));
  const addresses = () => updates.at(-1)?.endpoints.map((e) => e.address);
  return { updates, unwatch, addresses };
}

function refusedWith(code: string) {
  return (error: DestinationRefusal) => {
    assert.equal(error.code, code);
    return true;
  };
}

describe('EndpointRegistry', () => {
  it('sends a watcher the current set at once, then every change synchronously', () => {
    const { registry } = registryAt();
    const watcher = watched(registry, 'ai-kernel');
    assert.deepEqual(watcher.updates, [
      { service: 'ai-kernel', version: 0, exists: true, complete: true, endpoints: [] },
    ]);

    const lease = registry.register(kernelAt(1));
    assert.deepEqual(lease, { id: lease.id, ttlMs: 10_000, heartbeatMs: 3_000 });
    registry.register(kernelAt(2));
    assert.equal(watcher.updates.length, 3);
    assert.deepEqual(
      watcher.updates.map((u) => u.version),
      [0, 1, 2],
    );
    assert.deepEqual(watcher.updates[2]?.endpoints, [
      {
        address: '127.0.0.1:1',
        identity: KERNEL.name,
        instance: 'ai-kernel-1',
        labels: {},
      },
      {
        address: '127.0.0.1:2',
        identity: KERNEL.name,
        instance: 'ai-kernel-2',
        labels: {},
      },
    ]);

    watcher.unwatch();
    registry.register(kernelAt(3));
    assert.equal(watcher.updates.length, 3, 'no push after unwatch');
  });

  it("refuses a caller registering another service than its certificate's, and changes nothing", () => {
    const { registry } = registryAt();
    const watcher = watched(registry, 'ai-kernel');
    assert.throws(
      () => registry.register({ ...kernelAt(1), caller: GATEWAY }),
      (error: DestinationRefusal) => {
        assert.equal(error.code, 'service-identity-mismatch');
        assert.equal(error.status, 403);
        assert.match(
          error.message,
          /api-gateway\.default\.\S+ may register only as service 'api-gateway', not 'ai-kernel'/,
        );
        return true;
      },
    );
    assert.equal(watcher.updates.length, 1);
    assert.deepEqual(registry.counts(), [{ service: 'ai-kernel', endpoints: 0, watchers: 1 }]);
  });

  it('expires a lease ttl after its last heartbeat, and tells watchers', () => {
    const { registry, advance } = registryAt();
    const watcher = watched(registry, 'ai-kernel');
    const kept = registry.register(kernelAt(1));
    registry.register(kernelAt(2));

    advance(6_000);
    registry.heartbeat(kept.id, KERNEL);
    advance(3_999);
    assert.equal(registry.sweep(), 0, 'neither lease has lapsed 9.999 s after registering');
    advance(1);
    assert.equal(registry.sweep(), 1, 'the one without a heartbeat lapses at 10 s');
    assert.deepEqual(watcher.addresses(), ['127.0.0.1:1']);

    advance(6_000);
    assert.equal(registry.sweep(), 1, 'the heartbeat bought exactly one more ttl');
    assert.deepEqual(watcher.addresses(), []);
    assert.throws(() => registry.heartbeat(kept.id, KERNEL), refusedWith('lease-unknown'));
  });

  it('deregisters only for the lease holder, once', () => {
    const { registry } = registryAt();
    const watcher = watched(registry, 'ai-kernel');
    const lease = registry.register(kernelAt(1));
    assert.throws(
      () => registry.deregister(lease.id, GATEWAY),
      refusedWith('lease-identity-mismatch'),
    );
    assert.throws(
      () => registry.heartbeat(lease.id, GATEWAY),
      refusedWith('lease-identity-mismatch'),
    );
    assert.deepEqual(watcher.addresses(), ['127.0.0.1:1']);
    assert.equal(registry.deregister(lease.id, KERNEL), true);
    assert.deepEqual(watcher.addresses(), []);
    assert.equal(registry.deregister(lease.id, KERNEL), false);
  });

  it('replaces the endpoint at an address instead of doubling it, and pushes nothing for a repeat', () => {
    const { registry } = registryAt();
    const watcher = watched(registry, 'ai-kernel');
    const first = registry.register(kernelAt(1));
    const again = registry.register(kernelAt(1));
    assert.notEqual(again.id, first.id);
    assert.equal(watcher.updates.length, 2, 'the same endpoint registered again is no change');
    assert.throws(() => registry.heartbeat(first.id, KERNEL), refusedWith('lease-unknown'));

    registry.register(kernelAt(1, 'renamed'));
    assert.equal(watcher.updates.length, 3);
    assert.deepEqual(
      watcher.updates.at(-1)?.endpoints.map((e) => e.instance),
      ['renamed'],
    );
  });

  it('marks sets incomplete during the rebuild window, then sends every watcher a complete one', () => {
    const { registry, advance } = registryAt({ rebuildMs: 10_000, ttlMs: 60_000 });
    const kernel = watched(registry, 'ai-kernel');
    const gateway = watched(registry, 'api-gateway');
    registry.register(kernelAt(1));
    assert.deepEqual(
      kernel.updates.map((u) => u.complete),
      [false, false],
    );

    advance(9_999);
    registry.sweep();
    assert.equal(registry.complete, false);
    advance(1);
    registry.sweep();
    assert.equal(registry.complete, true);
    assert.deepEqual(kernel.updates.at(-1), {
      service: 'ai-kernel',
      version: 2,
      exists: true,
      complete: true,
      endpoints: [
        { address: '127.0.0.1:1', identity: KERNEL.name, instance: 'ai-kernel-1', labels: {} },
      ],
    });
    assert.equal(gateway.updates.length, 2);
    assert.equal(gateway.updates[1]?.complete, true);
    registry.sweep();
    assert.equal(kernel.updates.length, 3, 'the window closes once');
  });

  it('says a service exists when fusion.yaml names it or something is registered', () => {
    const { registry } = registryAt({ knownServices: ['ai-kernel'] });
    assert.equal(registry.snapshot('ai-kernel').exists, true);
    assert.equal(registry.snapshot('api-gateway').exists, false);
    registry.register({ ...kernelAt(5), caller: GATEWAY, service: 'api-gateway' });
    assert.equal(registry.snapshot('api-gateway').exists, true);
  });

  it('forgets a service with neither endpoints nor watchers', () => {
    const { registry } = registryAt();
    const lease = registry.register(kernelAt(1));
    const watcher = watched(registry, 'vision');
    registry.deregister(lease.id, KERNEL);
    assert.deepEqual(registry.counts(), [{ service: 'vision', endpoints: 0, watchers: 1 }]);
    watcher.unwatch();
    assert.deepEqual(registry.counts(), []);
  });
  it('lists every endpoint held with when it registered, last renewed and expires', () => {
    const { registry, advance } = registryAt();
    const lease = registry.register(kernelAt(1));
    advance(2_000);
    registry.heartbeat(lease.id, KERNEL);
    advance(500);
    registry.register(kernelAt(2));
    assert.deepEqual(
      registry
        .held()
        .map((h) => [h.service, h.endpoint.address, h.registeredAt, h.renewedAt, h.expiresAt]),
      [
        ['ai-kernel', '127.0.0.1:1', 1_000_000, 1_002_000, 1_012_000],
        ['ai-kernel', '127.0.0.1:2', 1_002_500, 1_002_500, 1_012_500],
      ],
    );
    assert.equal(registry.heartbeatMs, 3_000);
  });
});
