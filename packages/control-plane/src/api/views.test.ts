import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseConfig } from '@fusion/config';
import { firstSnapshot } from '../config/index.ts';
import type { HeldEndpoint } from '../destination/registry.ts';
import {
  configView,
  type EndpointsView,
  policiesView,
  servicesView,
  serviceView,
} from './views.ts';

const CONFIG = `version: 1
services:
  gateway: { port: 18000, command: x, external: true }
  orders: { port: 18001, command: x, replicas: 2 }
`;
const T0 = Date.parse('2026-12-02T10:00:00Z');

function snapshot() {
  const result = parseConfig(CONFIG, { file: '/srv/fusion.yaml' });
  assert.ok(result.ok);
  return firstSnapshot(result.config, result.warnings, '/srv/fusion.yaml', new Date(T0));
}

const held = (service: string, port: number, renewedAt: number): HeldEndpoint => ({
  service,
  endpoint: {
    address: `127.0.0.1:${port}`,
    identity: `${service}.default.serviceaccount.identity.cluster.local`,
    instance: `${service}-${port}`,
    labels: {},
  },
  registeredAt: T0,
  renewedAt,
  expiresAt: renewedAt + 10_000,
  ready: true,
  readinessPath: '/ready',
});

const registry = (endpoints: HeldEndpoint[]): EndpointsView => ({
  held: () => endpoints,
  complete: true,
  heartbeatMs: 3_000,
});

describe('public API views', () => {
  it('config: version, generation, file, and the refusal with every position', () => {
    const current = snapshot();
    const view = configView({
      current: () => current,
      lastRefusal: () => ({
        at: '2026-12-02T10:01:00.000Z',
        errors: [
          {
            severity: 'error',
            file: '/srv/fusion.yaml',
            line: 4,
            column: 11,
            path: 'services.orders.port',
            message: 'services.orders.port: expected an integer',
          },
        ],
      }),
      counts: () => ({ applied: 0, refused: 1, unchanged: 0 }),
    });
    assert.equal(view.version, current.version.hash);
    assert.equal(view.generation, 1);
    assert.equal(view.loadedAt, '2026-12-02T10:00:00.000Z');
    assert.equal(view.file, '/srv/fusion.yaml');
    assert.deepEqual(view.services, ['gateway', 'orders']);
    assert.equal(
      view.lastError?.errors[0]?.text,
      '/srv/fusion.yaml:4:11: services.orders.port: expected an integer',
    );
    assert.deepEqual(view.reloads, { applied: 0, refused: 1, unchanged: 0 });
  });

  it('services: configured ones first, endpoints live or stale by their last heartbeat', () => {
    const now = T0 + 60_000;
    const view = servicesView(
      snapshot(),
      registry([
        held('orders', 1, now - 1_000),
        held('orders', 2, now - 7_000),
        held('ad-hoc', 3, now),
      ]),
      now,
    );
    assert.deepEqual(
      view.services.map((s) => [s.name, s.configured, s.port, s.replicas, s.endpoints.length]),
      [
        ['gateway', true, 18000, 1, 0],
        ['orders', true, 18001, 2, 2],
        ['ad-hoc', false, null, null, 1],
      ],
    );
    const orders = view.services[1]!;
    assert.deepEqual(
      orders.endpoints.map((e) => [e.address, e.state, e.lastHeartbeatAt, e.leaseExpiresAt]),
      [
        [
          '127.0.0.1:1',
          'live',
          new Date(now - 1_000).toISOString(),
          new Date(now + 9_000).toISOString(),
        ],
        [
          '127.0.0.1:2',
          'stale',
          new Date(now - 7_000).toISOString(),
          new Date(now + 3_000).toISOString(),
        ],
      ],
    );
    assert.match(orders.policyVersion ?? '', /^sha256:/);
    assert.equal(view.services[2]!.policyVersion, null);
  });

  it('one service, or undefined when nobody knows it; policy versions per service', () => {
    const current = snapshot();
    assert.equal(serviceView('gateway', current, registry([]), T0)?.name, 'gateway');
    assert.equal(serviceView('nobody', current, registry([]), T0), undefined);
    const policies = policiesView(current);
    assert.equal(policies.configVersion, current.version.hash);
    assert.deepEqual(
      policies.policies.map((p) => p.service),
      ['gateway', 'orders'],
    );
  });
});
