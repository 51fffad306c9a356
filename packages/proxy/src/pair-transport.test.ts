/**
 * Linkerd's transport metrics on the HTTP path of a real proxy pair: the app's connections to
 * its outbound proxy, the mTLS connections between the proxies (the endpoint's HTTP/2 session
 * and the one pooled HTTP/1.1 connection that sequential requests share, from both ends), the inbound
 * proxy's pooled connections to its app, and a plain caller at the gateway's port — counted
 * with Linkerd's labels, bytes at least what was sent, every gauge back at 0 once closed.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import {
  type ProxyPair,
  sample,
  startPair,
  startTestMesh,
  type TestMesh,
} from './testing/index.ts';

const BODY = Buffer.alloc(100 * 1024, 'x');
const REQUESTS = 3;

/** Echoes the body back. */
async function startEchoApp(): Promise<http.Server> {
  const app = http.createServer((req, res) => req.pipe(res));
  app.listen(0, '127.0.0.1');
  await once(app, 'listening');
  return app;
}

/** One POST on a connection of its own (no keep-alive), resolved with the echoed length. */
function post(port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port, method: 'POST', path: '/', headers: { host }, agent: false },
      (res) => {
        let length = 0;
        res.on('data', (chunk: Buffer) => {
          length += chunk.length;
        });
        res.on('end', () => resolve(length));
      },
    );
    req.on('error', reject);
    req.end(BODY);
  });
}

const until = async (check: () => boolean, what: string) => {
  for (let i = 0; i < 400 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(check(), `timed out waiting for ${what}`);
};

describe('transport metrics through a proxy pair', () => {
  let mesh: TestMesh;
  let app: http.Server;
  let pair: ProxyPair;
  let fromApp: Record<string, string>;
  let toPeer: Record<string, string>;
  let fromPeer: Record<string, string>;
  const toApp = {
    direction: 'inbound',
    peer: 'dst',
    tls: 'no_identity',
    no_tls_reason: 'loopback',
  };
  const plain = {
    direction: 'inbound',
    peer: 'src',
    tls: 'no_identity',
    no_tls_reason: 'no_tls_from_remote',
  };

  before(async () => {
    mesh = await startTestMesh();
    app = await startEchoApp();
    // The gateway's inbound side: mesh callers over mTLS and plain callers on the same port.
    pair = await startPair(mesh, { appPort: (app.address() as AddressInfo).port, external: true });
    fromApp = { direction: 'outbound', peer: 'src', tls: 'no_identity', no_tls_reason: 'loopback' };
    toPeer = { direction: 'outbound', peer: 'dst', tls: 'true', server_id: pair.callee.identity };
    fromPeer = { direction: 'inbound', peer: 'src', tls: 'true', client_id: pair.caller.identity };
  });
  after(async () => {
    app.close();
    await mesh.close();
  });

  it('counts each connection once, on the side and with the labels Linkerd gives it', async () => {
    for (let i = 0; i < REQUESTS; i++) {
      assert.equal(await post(pair.outboundPort, pair.authority), BODY.length);
    }
    assert.equal(await post(pair.inboundPort, 'api-gateway'), BODY.length);
    const out = pair.outboundRegistry;
    const inn = pair.inboundRegistry;
    await until(() => sample(out, 'tcp_close_total', fromApp) === REQUESTS, 'the app connections');
    assert.equal(sample(out, 'tcp_open_total', fromApp), REQUESTS);
    // Two mTLS connections, seen once from each end: the endpoint's HTTP/2 session, and the
    // pooled HTTP/1.1 connection every one of the sequential requests rode.
    assert.equal(sample(out, 'tcp_open_total', toPeer), 2);
    assert.equal(sample(out, 'tcp_open_connections', toPeer), 2);
    assert.equal(sample(inn, 'tcp_open_total', fromPeer), 2);
    assert.equal(sample(inn, 'tcp_open_connections', fromPeer), 2);
    assert.ok(sample(inn, 'tcp_open_total', toApp) >= 1);
    await until(() => sample(inn, 'tcp_close_total', plain) === 1, 'the plain caller');
    assert.equal(sample(inn, 'tcp_open_total', plain), 1);
    // Bytes counted on close: the app's connections have closed, carrying the bodies both ways.
    assert.ok(sample(out, 'tcp_read_bytes_total', fromApp) >= REQUESTS * BODY.length);
    assert.ok(sample(out, 'tcp_write_bytes_total', fromApp) >= REQUESTS * BODY.length);
    assert.equal(sample(out, 'tcp_read_bytes_total', toPeer), 0, 'both are still open');
  });

  it('after the proxies close: every gauge at 0, every connection closed, bytes counted', async () => {
    await pair.close();
    const out = pair.outboundRegistry;
    const inn = pair.inboundRegistry;
    await until(
      () =>
        sample(out, 'tcp_open_connections', {}) === 0 &&
        sample(inn, 'tcp_open_connections', {}) === 0,
      'every connection to close',
    );
    for (const [registry, labels] of [
      [out, fromApp],
      [out, toPeer],
      [inn, fromPeer],
      [inn, toApp],
    ] as const) {
      const what = JSON.stringify(labels);
      assert.equal(
        sample(registry, 'tcp_close_total', labels),
        sample(registry, 'tcp_open_total', labels),
        what,
      );
      assert.ok(sample(registry, 'tcp_read_bytes_total', labels) >= REQUESTS * BODY.length, what);
      assert.ok(sample(registry, 'tcp_write_bytes_total', labels) >= REQUESTS * BODY.length, what);
    }
    assert.equal(
      sample(out, 'tcp_close_total', { ...toPeer, classification: 'success' }),
      2,
      'connections closed by our own drain are no failure',
    );
  });
});
