import assert from 'node:assert/strict';
import http2 from 'node:http2';
import net, { type AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { PROXY_ERROR_HEADER } from '../errors/rescue.ts';
import { ORIG_PROTO_HEADER } from '../http/message.ts';
import { CLIENT_ID_HEADER } from './client-id.ts';
import {
  CALLER_ID,
  call,
  type Mesh,
  meshConnect,
  sample,
  startApp,
  startMesh,
  startProxy,
} from './testing/index.ts';

describe('forwarding to the app', () => {
  let mesh: Mesh;
  before(async () => {
    mesh = await startMesh();
  });
  after(() => mesh.close());

  it('speaks HTTP/1.1 to the app for requests marked l5d-orig-proto, without the mark', async (t) => {
    const app = await startApp((req, res) => res.end(req.httpVersion));
    const proxy = await startProxy(mesh, app.port);
    const session = meshConnect(mesh, proxy.port, mesh.caller);
    t.after(async () => {
      session.close();
      await proxy.close();
      await app.close();
    });
    const marked = await call(session, {
      ':authority': 'ai-kernel:8001',
      [ORIG_PROTO_HEADER]: 'HTTP/1.1',
      'x-kept': 'yes',
    });
    assert.equal(marked.status, 200);
    assert.equal(marked.body, '1.1');
    const seen = app.seen[0]!;
    assert.equal(seen.httpVersion, '1.1');
    assert.equal(seen.headers[ORIG_PROTO_HEADER], undefined);
    assert.equal(seen.headers['x-kept'], 'yes');
    assert.equal(seen.headers.host, 'ai-kernel:8001', 'the authority became Host');
  });

  it('answers 502 CONNECT_REFUSED while the app is down, and serves again once it is back', async (t) => {
    const app = await startApp();
    const port = app.port;
    const proxy = await startProxy(mesh, port);
    const session = meshConnect(mesh, proxy.port, mesh.caller);
    t.after(async () => {
      session.close();
      await proxy.close();
    });
    assert.equal((await call(session)).status, 200);
    await app.close();

    const down = await call(session, { [ORIG_PROTO_HEADER]: 'HTTP/1.1' });
    assert.equal(down.status, 502);
    assert.match(String(down.headers[PROXY_ERROR_HEADER]), /^CONNECT_REFUSED: .*ECONNREFUSED/);

    const back = await startApp((_req, res) => res.end('back'), port);
    t.after(() => back.close());
    const again = await call(session);
    assert.equal(again.status, 200);
    assert.equal(again.body, 'back');
    assert.equal(back.seen.length, 1);
  });

  it('resets the caller when the app dies mid-response, and counts it as a RESET', async (t) => {
    const app = await startApp((req, res) => {
      if (req.url !== '/crash') return res.end('fine');
      res.writeHead(200, { 'content-length': '1000' });
      res.write('partial', () => req.socket.destroy());
    });
    const proxy = await startProxy(mesh, app.port);
    const session = meshConnect(mesh, proxy.port, mesh.caller);
    t.after(async () => {
      session.close();
      await proxy.close();
      await app.close();
    });
    await assert.rejects(call(session, { ':path': '/crash' }), { code: 'ERR_HTTP2_STREAM_ERROR' });
    const labels = `direction="inbound",tls="true",client_id="${CALLER_ID}"`;
    assert.equal(
      sample(proxy.registry, `response_total{${labels},classification="failure",error="RESET"}`),
      1,
    );
    assert.equal((await call(session)).body, 'fine', 'the next request is served as usual');
  });

  it('sends a GET again on a fresh connection when the app closed the pooled one', async (t) => {
    const app = await startFlakyKeepAliveApp();
    const proxy = await startProxy(mesh, app.port);
    const session = meshConnect(mesh, proxy.port, mesh.caller);
    t.after(async () => {
      session.close();
      await proxy.close();
      await app.close();
    });
    const statuses = [(await call(session)).status, (await call(session)).status];
    assert.deepEqual(statuses, [200, 200]);
    assert.deepEqual(app.figures, { connections: 2, answered: 2, dropped: 1 });
    // A request with a body may have been acted on: it is never sent twice.
    const post = await call(session, { ':method': 'POST' }, 'payload');
    assert.equal(post.status, 502);
    assert.match(String(post.headers[PROXY_ERROR_HEADER]), /^RESET: /);
    assert.deepEqual(app.figures, { connections: 2, answered: 2, dropped: 2 });
  });

  it('carries gRPC to an h2c app as HTTP/2, trailers and all', async (t) => {
    const app = await startH2cApp();
    const proxy = await startProxy(mesh, app.port, { appProtocol: 'h2c' });
    const session = meshConnect(mesh, proxy.port, mesh.caller);
    t.after(async () => {
      session.close();
      await proxy.close();
      await app.close();
    });
    const grpc = { ':method': 'POST', 'content-type': 'application/grpc', te: 'trailers' };
    const ok = await call(session, { ...grpc, ':path': '/kernel.Kernel/Ok' }, 'request');
    assert.equal(ok.status, 200);
    assert.equal(ok.body, 'reply to request');
    assert.equal(ok.trailers?.['grpc-status'], '0');
    const failed = await call(session, { ...grpc, ':path': '/kernel.Kernel/Unavailable' }, 'x');
    assert.equal(failed.trailers?.['grpc-status'], '14');
    assert.deepEqual(app.seen, [
      { version: '2.0', clientId: CALLER_ID, te: 'trailers' },
      { version: '2.0', clientId: CALLER_ID, te: 'trailers' },
    ]);
    // The trailers reach the one classifier: a gRPC error is a failure despite its 200.
    const labels = `direction="inbound",tls="true",client_id="${CALLER_ID}",status_code="200"`;
    assert.equal(
      sample(proxy.registry, `response_total{${labels},classification="success",grpc_status="0"}`),
      1,
    );
    assert.equal(
      sample(proxy.registry, `response_total{${labels},classification="failure",grpc_status="14"}`),
      1,
    );
  });
});

/** An h2c app answering like a gRPC server: `Ok` succeeds, anything else is UNAVAILABLE (14). */
async function startH2cApp() {
  const seen: { version: string; clientId: unknown; te: unknown }[] = [];
  const server = http2.createServer((req, res) => {
    seen.push({
      version: req.httpVersion,
      clientId: req.headers[CLIENT_ID_HEADER],
      te: req.headers.te,
    });
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      body += chunk;
    });
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/grpc' });
      const ok = req.url.endsWith('/Ok');
      res.addTrailers({ 'grpc-status': ok ? '0' : '14' });
      res.end(ok ? `reply to ${body}` : '');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    seen,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * An HTTP/1.1 app that answers the first request on each connection with keep-alive, then
 * drops the connection when a second request comes on it: the race of an app closing an idle
 * connection just as the proxy reuses it, made deterministic.
 */
async function startFlakyKeepAliveApp() {
  const figures = { connections: 0, answered: 0, dropped: 0 };
  const server = net.createServer((socket) => {
    figures.connections++;
    let requests = 0;
    let buffered = '';
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      buffered += chunk;
      if (!buffered.includes('\r\n\r\n')) return;
      buffered = '';
      if (++requests > 1) {
        figures.dropped++;
        socket.destroy();
        return;
      }
      figures.answered++;
      socket.write('HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: keep-alive\r\n\r\nok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    figures,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
