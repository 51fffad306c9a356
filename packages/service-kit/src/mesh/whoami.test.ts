import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { createService } from '../service/create-service.ts';
import { whoamiRoute } from './whoami.ts';

const quiet = { write: () => {} };

/** A stand-in for the next hop: answers as identity would, or fails as a sidecar does. */
function nextHop(mode: 'ok' | 'proxy-error'): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    if (mode === 'proxy-error') {
      res.writeHead(502, { 'l5d-proxy-error': 'CONNECT_REFUSED: identity app is down' });
      res.end();
      return;
    }
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ service: 'identity', caller: req.headers['l5d-client-id'] ?? null }));
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

describe('whoami route', () => {
  const servers: http.Server[] = [];
  let okUrl = '';
  let failingUrl = '';

  before(async () => {
    const [ok, failing] = await Promise.all([nextHop('ok'), nextHop('proxy-error')]);
    servers.push(ok, failing);
    okUrl = `http://127.0.0.1:${(ok.address() as AddressInfo).port}`;
    failingUrl = `http://127.0.0.1:${(failing.address() as AddressInfo).port}`;
  });
  after(() => {
    for (const server of servers) server.close();
  });

  const kernel = (identityUrl: string) =>
    createService({
      name: 'ai-kernel',
      version: '0.0.0',
      env: { PORT: '18001', FUSION_MESH_ENDPOINTS: JSON.stringify({ identity: identityUrl }) },
      routes: whoamiRoute('identity'),
      logDestination: quiet,
    });

  it('names the verified caller, and null when there is none', async () => {
    const app = await createService({
      name: 'identity',
      version: '0.0.0',
      env: { PORT: '18002' },
      routes: whoamiRoute(),
      logDestination: quiet,
    });
    try {
      const meshed = await app.inject({
        url: '/v1/whoami',
        headers: { 'l5d-client-id': 'ai-kernel.default.serviceaccount.identity.cluster.local' },
      });
      assert.deepEqual(meshed.json(), {
        service: 'identity',
        caller: 'ai-kernel.default.serviceaccount.identity.cluster.local',
      });
      assert.deepEqual((await app.inject('/v1/whoami')).json(), {
        service: 'identity',
        caller: null,
      });
    } finally {
      await app.close();
    }
  });

  it('nests the next hop’s answer', async () => {
    const app = await kernel(okUrl);
    try {
      const res = await app.inject('/v1/whoami');
      assert.equal(res.statusCode, 200);
      assert.deepEqual(res.json(), {
        service: 'ai-kernel',
        caller: null,
        next: { service: 'identity', caller: null },
      });
    } finally {
      await app.close();
    }
  });

  it('passes a failure further down the chain through, hop by hop', async () => {
    const kernelApp = await kernel(failingUrl);
    await kernelApp.listen({ port: 0, host: '127.0.0.1' });
    const kernelUrl = `http://127.0.0.1:${(kernelApp.server.address() as AddressInfo).port}`;
    const gateway = await createService({
      name: 'api-gateway',
      version: '0.0.0',
      env: { PORT: '18000', FUSION_MESH_ENDPOINTS: JSON.stringify({ 'ai-kernel': kernelUrl }) },
      routes: whoamiRoute('ai-kernel'),
      logDestination: quiet,
    });
    try {
      const res = await gateway.inject('/v1/whoami');
      assert.equal(res.statusCode, 502);
      assert.deepEqual(res.json().next, {
        service: 'ai-kernel',
        caller: null,
        next: { status: 502, error: 'CONNECT_REFUSED: identity app is down' },
      });
    } finally {
      await gateway.close();
      await kernelApp.close();
    }
  });

  it('answers 504 naming the mesh client’s error when the next hop cannot be reached', async () => {
    const app = await kernel('http://127.0.0.1:1');
    try {
      const res = await app.inject('/v1/whoami');
      assert.equal(res.statusCode, 504);
      assert.match(res.json().next.error, /^identity: unreachable \(/);
    } finally {
      await app.close();
    }
  });

  it('answers 502 with the sidecar’s reason when the next hop fails', async () => {
    const app = await kernel(failingUrl);
    try {
      const res = await app.inject('/v1/whoami');
      assert.equal(res.statusCode, 502);
      assert.deepEqual(res.json().next, {
        status: 502,
        error: 'CONNECT_REFUSED: identity app is down',
      });
    } finally {
      await app.close();
    }
  });
});
