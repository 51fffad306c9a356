/**
 * The engine's client pool against a node:http echo app, directly and through serveH1: bodies
 * large enough to fill every buffer on the way (backpressure both ways), and the kept-alive
 * connection reused after them. A body whose last part paused reading once left the
 * connection paused for good, and the next request on it waited forever.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { Body } from '../http/body.ts';
import { HeaderList } from '../http/headers.ts';
import type { ProxyRequest } from '../http/message.ts';
import { H1Pool } from './client.ts';
import { serveH1 } from './server.ts';

const dial = (port: number) => () =>
  new Promise<net.Socket>((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => resolve(socket));
    socket.once('error', reject);
  });

function post(size: number): ProxyRequest {
  return {
    method: 'POST',
    authority: 'echo',
    path: '/',
    headers: HeaderList.from({ 'content-length': String(size) }),
    body: Body.of(Buffer.alloc(size, 'x')),
    ctx: { startedAt: 0n, clientId: undefined, tls: false, originalVersion: 'HTTP/1.1' },
  };
}

async function echoed(pool: H1Pool, size: number): Promise<number> {
  const response = await pool.request(post(size));
  assert.equal(response.status, 200);
  return response.body ? (await response.body.toBuffer()).length : 0;
}

describe('H1Pool', () => {
  let app: http.Server;
  let front: net.Server;
  let connections = 0;
  let direct: H1Pool;
  let throughServer: H1Pool;

  before(async () => {
    app = http.createServer((req, res) => req.pipe(res));
    app.on('connection', () => connections++);
    await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve));
    const appPort = (app.address() as AddressInfo).port;
    const options = { maxConnections: 1, idleTimeoutMs: 5_000 };
    direct = new H1Pool({ ...options, open: dial(appPort), describe: 'the echo app' });
    // serveH1 in front of a pool of its own: both halves of a proxy hop.
    const upstream = new H1Pool({ ...options, open: dial(appPort), describe: 'the echo app' });
    front = net.createServer((socket) =>
      serveH1(socket, (request) => upstream.request(request), { clientId: undefined, tls: false }),
    );
    front.on('close', () => upstream.close());
    await new Promise<void>((resolve) => front.listen(0, '127.0.0.1', resolve));
    const frontPort = (front.address() as AddressInfo).port;
    throughServer = new H1Pool({ ...options, open: dial(frontPort), describe: 'serveH1' });
  });

  after(() => {
    direct.close();
    throughServer.close();
    front.close();
    app.close();
  });

  it('reuses its connection after bodies that filled the buffers, each echoed whole', async () => {
    const before = connections;
    for (const size of [100_000, 40_000, 1, 100_000]) {
      assert.equal(await echoed(direct, size), size);
    }
    assert.equal(connections - before, 1, 'one kept-alive connection for all four');
  });

  it('does the same through serveH1, whose kept-alive connection reads the next request', async () => {
    const before = connections;
    for (const size of [100_000, 40_000, 1, 100_000]) {
      assert.equal(await echoed(throughServer, size), size);
    }
    assert.equal(connections - before, 1, 'the front pool kept one connection to the app');
  });
});
