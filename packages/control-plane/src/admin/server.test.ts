import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { PROMETHEUS_CONTENT_TYPE, Registry } from '@fusion/telemetry';
import { type Component, overallReadiness, type Readiness } from '../component.ts';
import { type AdminServer, createAdminServer } from './server.ts';

let admin: AdminServer;
let address: AddressInfo;
let registry: Registry;
let identityState: Readiness;
let starting: string[];

const identity: Component = {
  name: 'identity',
  ready: () => identityState,
  close: async () => {},
};

beforeEach(async () => {
  registry = new Registry();
  registry.counter({ name: 'identity_certify_total', help: 'Issued.' }).inc(3);
  identityState = { ready: true };
  starting = [];
  admin = createAdminServer({
    registry,
    readiness: () => overallReadiness([identity], starting),
  });
  address = await admin.listen('127.0.0.1', 0);
});
afterEach(() => admin.close());

async function get(path: string, method = 'GET') {
  const res = await fetch(`http://127.0.0.1:${address.port}${path}`, { method });
  return { status: res.status, type: res.headers.get('content-type'), body: await res.text() };
}

describe('admin listener', () => {
  it('/live answers 200 whatever the components say', async () => {
    identityState = { ready: false, reason: 'the Certify server is not listening' };
    assert.deepEqual(await get('/live'), {
      status: 200,
      type: 'text/plain; charset=utf-8',
      body: 'live\n',
    });
  });

  it('/ready is 503 naming each component that cannot serve, 200 once all can', async () => {
    starting = ['destination'];
    identityState = { ready: false, reason: "issuer 'CN=x' expired at 2020-01-01T00:00:00.000Z" };
    const notReady = await get('/ready');
    assert.equal(notReady.status, 503);
    assert.equal(
      notReady.body,
      "not ready: destination: starting; identity: issuer 'CN=x' expired at 2020-01-01T00:00:00.000Z\n",
    );

    starting = [];
    identityState = { ready: true };
    assert.deepEqual(await get('/ready'), {
      status: 200,
      type: 'text/plain; charset=utf-8',
      body: 'ready\n',
    });
  });

  it('/metrics exposes the registry in Prometheus text format', async () => {
    const metrics = await get('/metrics');
    assert.equal(metrics.status, 200);
    assert.equal(metrics.type, PROMETHEUS_CONTENT_TYPE);
    assert.match(metrics.body, /^identity_certify_total 3$/m);
  });

  it('answers 404 for unknown paths and 405 for writes', async () => {
    assert.equal((await get('/nope')).status, 404);
    const post = await get('/ready', 'POST');
    assert.equal(post.status, 405);
    assert.equal(post.body, 'POST not allowed\n');
  });
});
