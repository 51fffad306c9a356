/**
 * The whole path through a real proxy pair: an app's request to its outbound proxy, mTLS to the
 * peer's inbound proxy, the peer's app — with certificates from the control plane's real identity
 * service, as a sidecar gets them.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { Registry } from '@fusion/telemetry';
import { staticDiscovery } from './discovery/index.ts';
import { PROXY_ERROR_HEADER } from './errors/rescue.ts';
import { startInbound } from './inbound/index.ts';
import { startOutbound } from './outbound/index.ts';
import { quietLogger, startTestMesh, type TestMesh, type TestWorkload } from './testing/index.ts';

interface Seen {
  readonly clientId: string | undefined;
  readonly httpVersion: string;
  readonly host: string | undefined;
}

function startApp(seen: Seen[]): Promise<http.Server> {
  const app = http.createServer((req, res) => {
    seen.push({
      clientId: req.headers['l5d-client-id'] as string | undefined,
      httpVersion: req.httpVersion,
      host: req.headers.host,
    });
    res.setHeader('content-type', 'text/plain');
    res.end(`hello from ai-kernel: ${req.method} ${req.url}`);
  });
  app.listen(0, '127.0.0.1');
  return once(app, 'listening').then(() => app);
}

function get(
  port: number,
  path: string,
  host: string,
): Promise<{ status: number; body: string; headers: http.IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path, headers: { host } }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          body += c;
        });
        res.on('end', () => resolve({ status: res.statusCode!, body, headers: res.headers }));
      })
      .on('error', reject);
  });
}

describe('a proxy pair with identities from the identity service', () => {
  let mesh: TestMesh;
  let gateway: TestWorkload;
  let kernel: TestWorkload;
  let app: http.Server;
  const seen: Seen[] = [];
  const callerRegistry = new Registry();
  const calleeRegistry = new Registry();
  const closers: (() => Promise<void>)[] = [];
  let outboundPort = 0;
  let inboundPort = 0;

  before(async () => {
    mesh = await startTestMesh();
    gateway = await mesh.workload('api-gateway');
    kernel = await mesh.workload('ai-kernel');
    app = await startApp(seen);
    const appAddress = app.address() as AddressInfo;
    const inbound = await startInbound({
      listen: { host: '127.0.0.1', port: 0 },
      app: { host: '127.0.0.1', port: appAddress.port },
      identity: kernel.client,
      defaultPolicy: 'all-authenticated',
      registry: calleeRegistry,
      logger: quietLogger(),
    });
    inboundPort = inbound.address.port;
    const outbound = await startOutbound({
      listen: { host: '127.0.0.1', port: 0 },
      identity: gateway.client,
      discovery: staticDiscovery({
        'ai-kernel': [{ address: `127.0.0.1:${inboundPort}`, identity: kernel.identity }],
        // A real mesh peer, but discovery says it must be someone else.
        impostor: [{ address: `127.0.0.1:${inboundPort}`, identity: gateway.identity }],
      }),
      registry: callerRegistry,
      logger: quietLogger(),
    });
    outboundPort = outbound.address.port;
    closers.push(outbound.close, inbound.close);
  });

  after(async () => {
    for (const close of closers) await close();
    app.close();
    await mesh.close();
  });

  test('the request crosses mTLS; the app sees the caller identity and HTTP/1.1', async () => {
    const answer = await get(outboundPort, '/run?task=1', 'ai-kernel');
    assert.equal(answer.status, 200);
    assert.equal(answer.body, 'hello from ai-kernel: GET /run?task=1');
    const last = seen.at(-1)!;
    assert.equal(last.clientId, gateway.identity);
    assert.equal(last.httpVersion, '1.1');
  });

  test("both proxies count it with Linkerd's labels: tls, client_id inbound, server_id outbound", async () => {
    for (let i = 0; i < 4; i++) await get(outboundPort, '/again', 'ai-kernel');
    const outboundText = callerRegistry.expose();
    const inboundText = calleeRegistry.expose();
    assert.match(
      outboundText,
      new RegExp(
        `request_total\\{direction="outbound",authority="ai-kernel",tls="true",server_id="${kernel.identity}",dst_service="ai-kernel"\\} 5`,
      ),
    );
    assert.match(
      inboundText,
      new RegExp(
        `request_total\\{direction="inbound",tls="true",client_id="${gateway.identity}"\\} 5`,
      ),
    );
    assert.match(
      inboundText,
      /response_total\{[^}]*status_code="200",classification="success"\} 5/,
    );
  });

  test('a peer proving another identity than discovery names is refused, and the app never sees it', async () => {
    const before = seen.length;
    const answer = await get(outboundPort, '/steal', 'impostor');
    assert.equal(answer.status, 502);
    assert.match(String(answer.headers[PROXY_ERROR_HEADER]), /^PEER_IDENTITY_MISMATCH/);
    assert.equal(seen.length, before);
    assert.match(
      callerRegistry.expose(),
      /outbound_tls_identity_mismatch_total\{server_id="api-gateway[^"]*"\} 1/,
    );
  });

  test('without a client certificate the inbound side refuses the handshake', async () => {
    const { connect } = await import('node:tls');
    const before = seen.length;
    const error = await new Promise<NodeJS.ErrnoException>((resolve, reject) => {
      const socket = connect({
        host: '127.0.0.1',
        port: inboundPort,
        ca: mesh.anchorsPem,
        servername: kernel.identity,
      });
      socket.once('error', resolve);
      socket.once('secureConnect', () => {
        // TLS 1.3: the server's refusal arrives after our side thinks the handshake is done.
        socket.write('GET / HTTP/1.1\r\nhost: x\r\n\r\n');
      });
      socket.once('data', () =>
        reject(new Error('the inbound proxy answered a caller without a certificate')),
      );
    });
    assert.equal(error.code, 'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED');
    assert.equal(seen.length, before);
  });

  test('the app gone: the caller gets 502 with a readable reason, and the proxies stay up', async () => {
    const port = (app.address() as AddressInfo).port;
    app.closeAllConnections();
    await new Promise<void>((resolve) => app.close(() => resolve()));
    const answer = await get(outboundPort, '/down', 'ai-kernel');
    assert.equal(answer.status, 502);
    assert.match(String(answer.headers[PROXY_ERROR_HEADER]), /^CONNECT_REFUSED: /);
    app = http.createServer((_req, res) => res.end('back'));
    app.listen(port, '127.0.0.1');
    await once(app, 'listening');
    const again = await get(outboundPort, '/up', 'ai-kernel');
    assert.equal(again.status, 200);
    assert.equal(again.body, 'back');
  });
});
