/** The public API over HTTP: versioned paths, JSON errors, read-only. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type {
  ApiConfig,
  ApiErrorBody,
  ApiIdentities,
  ApiIndex,
  ApiService,
  ApiServiceList,
  ServicePolicy,
} from '@fusion/mesh-types';
import { Registry } from '@fusion/telemetry';
import { ConfigSource } from '../config/index.ts';
import { EndpointRegistry } from '../destination/registry.ts';
import { createIdentityMetrics } from '../identity/index.ts';
import {
  captureLogger,
  createTestPki,
  currentIssuerOf,
  type TestPki,
} from '../identity/testing.ts';
import { type ApiComponent, startApi } from './start.ts';

const CONFIG = `version: 1
mesh: { trustDomain: mesh.test }
services:
  gateway: { port: 18000, command: x, external: true }
  orders: { port: 18001, command: x }
`;

let pki: TestPki;
let dir: string;
let api: ApiComponent;
let base: string;
let endpoints: EndpointRegistry;

before(async () => {
  pki = await createTestPki();
  dir = mkdtempSync(join(tmpdir(), 'fusion-api-'));
  writeFileSync(join(dir, 'fusion.yaml'), CONFIG);
  const source = ConfigSource.open({ file: join(dir, 'fusion.yaml') });
  endpoints = new EndpointRegistry({ ttlMs: 10_000, heartbeatMs: 3_000, rebuildMs: 0 });
  endpoints.register({
    caller: pki.identity('orders'),
    service: 'orders',
    address: '127.0.0.1:4143',
    instance: 'orders-0',
    labels: {},
  });
  const registry = new Registry();
  createIdentityMetrics(registry, captureLogger().logger).issued(
    { identity: 'orders', serial: '01', notAfter: new Date() } as never,
    0.001,
  );
  api = await startApi({
    host: '127.0.0.1',
    port: 0,
    config: source,
    endpoints,
    identities: {
      trustDomain: pki.trustDomain,
      issuer: () => currentIssuerOf(pki.issuer, pki.anchor.certPem),
      registry,
      controlPlane: { identity: 'identity.fusion…', destination: 'destination.fusion…' },
      held: () => endpoints.held(),
    },
    logger: captureLogger().logger,
  });
  base = `http://127.0.0.1:${api.address.port}`;
});
after(async () => {
  await api.close();
  await pki.remove();
  rmSync(dir, { recursive: true, force: true });
});

async function get<T>(
  path: string,
  init?: RequestInit,
): Promise<{ status: number; body: T; headers: Headers }> {
  const response = await fetch(`${base}${path}`, init);
  const text = await response.text();
  return {
    status: response.status,
    body: (text ? JSON.parse(text) : undefined) as T,
    headers: response.headers,
  };
}

describe('public API server', () => {
  it('lists its paths at /api/v1', async () => {
    const { status, body, headers } = await get<ApiIndex>('/api/v1');
    assert.equal(status, 200);
    assert.equal(headers.get('content-type'), 'application/json; charset=utf-8');
    assert.equal(headers.get('cache-control'), 'no-store');
    assert.ok(body.paths.includes('/api/v1/services/{name}'));
  });

  it('serves services with their endpoints, one service by name, and 404 for others', async () => {
    const list = await get<ApiServiceList>('/api/v1/services');
    assert.deepEqual(
      list.body.services.map((s) => [
        s.name,
        s.endpoints.map((e) => [e.address, e.state, e.identity]),
      ]),
      [
        ['gateway', []],
        [
          'orders',
          [['127.0.0.1:4143', 'live', 'orders.default.serviceaccount.identity.mesh.test']],
        ],
      ],
    );
    const one = await get<ApiService>('/api/v1/services/orders/');
    assert.equal(one.body.name, 'orders');
    const missing = await get<ApiErrorBody>('/api/v1/services/nope');
    assert.equal(missing.status, 404);
    assert.deepEqual(missing.body.error.code, 'not-found');
    assert.match(missing.body.error.message, /no service 'nope'/);
  });

  it('serves the config version and the policies compiled from it', async () => {
    const config = await get<ApiConfig>('/api/v1/config');
    assert.equal(config.body.generation, 1);
    assert.match(config.body.version, /^sha256:[0-9a-f]{16}$/);
    assert.equal(config.body.lastError, null);
    const policy = await get<ServicePolicy>('/api/v1/policies/orders');
    assert.equal(policy.body.service, 'orders');
    assert.equal((await get('/api/v1/policies/nope')).status, 404);
    const list = await get<{ policies: { service: string }[] }>('/api/v1/policies');
    assert.deepEqual(
      list.body.policies.map((p) => p.service),
      ['gateway', 'orders'],
    );
  });

  it('serves the issuer, the anchors, certificate counts and the workloads registered', async () => {
    const { body } = await get<ApiIdentities>('/api/v1/identities');
    assert.equal(body.trustDomain, 'mesh.test');
    assert.equal(body.anchors.length, 1);
    assert.ok(Date.parse(body.issuer.notAfter) > Date.now());
    assert.equal(body.certificates.issued, 1);
    assert.equal(body.certificates.refused['token-expired'], 0);
    assert.deepEqual(body.workloads, [
      {
        identity: 'orders.default.serviceaccount.identity.mesh.test',
        service: 'orders',
        endpoints: 1,
      },
    ]);
  });

  it('is read-only and versioned: 405 with Allow for writes, 404 JSON outside /api/v1, HEAD without a body', async () => {
    const post = await get<ApiErrorBody>('/api/v1/config', { method: 'POST', body: '{}' });
    assert.equal(post.status, 405);
    assert.equal(post.headers.get('allow'), 'GET, HEAD');
    assert.equal(post.body.error.code, 'method-not-allowed');
    for (const path of ['/', '/api/v2/config', '/api/v1/nothing', '/api/v1/services/a/b']) {
      const answer = await get<ApiErrorBody>(path);
      assert.equal(answer.status, 404, path);
      assert.equal(answer.body.error.code, 'not-found');
    }
    const head = await fetch(`${base}/api/v1/config`, { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(await head.text(), '');
    assert.deepEqual(api.ready(), { ready: true });
  });
});
