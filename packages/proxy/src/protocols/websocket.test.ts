/**
 * WebSocket, and any HTTP/1.1 Upgrade, through a real proxy pair. The upgrade cannot ride the
 * proxies' HTTP/2 session, so it takes an mTLS connection of its own (ALPN http/1.1), passes
 * the same policy and metrics as any request, and after the 101 the bytes are piped both ways.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import WebSocket, { type RawData, WebSocketServer } from 'ws';
import { PROXY_ERROR_HEADER } from '../errors/rescue.ts';
import {
  type ProxyPair,
  sample,
  startPair,
  startTestMesh,
  type TestMesh,
} from '../testing/index.ts';

let mesh: TestMesh;
let app: UpgradeApp;
before(async () => {
  mesh = await startTestMesh();
  app = await startUpgradeApp();
});
after(async () => {
  await app.close();
  await mesh.close();
});

describe('WebSocket from an app through its outbound proxy to a meshed app', () => {
  let pair: ProxyPair;
  before(async () => {
    pair = await startPair(mesh, { appPort: app.port, moreServices: { 'no-endpoints': [] } });
  });
  after(() => pair.close());

  it('carries text and binary messages both ways; the app sees the verified caller', async () => {
    const ws = await connect(pair.outboundPort, pair.authority, { 'l5d-client-id': 'forged' });
    const handshake = app.handshakes.at(-1)!;
    assert.equal(handshake.headers['l5d-client-id'], pair.caller.identity);
    assert.equal(handshake.headers.host, 'ai-kernel');
    assert.equal(handshake.url, '/chat');

    ws.send('hello');
    assert.deepEqual(await nextMessage(ws), { text: 'echo: hello', binary: false });
    const bytes = Buffer.from([0, 1, 2, 0xfe, 0xff]);
    ws.send(bytes);
    const echoed = await nextMessage(ws);
    assert.equal(echoed.binary, true);
    assert.deepEqual(echoed.bytes, bytes);
    ws.close();
    await once(ws, 'close');
  });

  it('propagates close codes and reasons in both directions', async () => {
    const seenByApp = app.nextClose();
    const fromClient = await connect(pair.outboundPort, pair.authority);
    fromClient.close(4001, 'client done');
    assert.deepEqual(await seenByApp, { code: 4001, reason: 'client done' });
    const [clientCode] = await once(fromClient, 'close');
    assert.equal(clientCode, 4001);

    const fromApp = await connect(pair.outboundPort, pair.authority);
    fromApp.send('close please');
    const [code, reason] = (await once(fromApp, 'close')) as [number, Buffer];
    assert.deepEqual({ code, reason: reason.toString() }, { code: 4002, reason: 'server done' });
  });

  it('is counted by both proxies as a request answered 101, on connections of its own', async () => {
    const outbound = { direction: 'outbound', status_code: '101', classification: 'success' };
    const inbound = { ...outbound, direction: 'inbound', client_id: pair.caller.identity };
    const toPeer = { direction: 'outbound', peer: 'dst', server_id: pair.callee.identity };
    const toApp = { direction: 'inbound', peer: 'dst' };
    const count = () => ({
      outRequests: sample(pair.outboundRegistry, 'request_total', { direction: 'outbound' }),
      out101: sample(pair.outboundRegistry, 'response_total', outbound),
      in101: sample(pair.inboundRegistry, 'response_total', inbound),
      peerConnections: sample(pair.outboundRegistry, 'tcp_open_total', toPeer),
      appConnections: sample(pair.inboundRegistry, 'tcp_open_total', toApp),
    });
    const before = count();
    const ws = await connect(pair.outboundPort, pair.authority);
    ws.close();
    await once(ws, 'close');
    // One of each: the mesh session and the app pool are untouched by an upgrade.
    assert.deepEqual(count(), {
      outRequests: before.outRequests + 1,
      out101: before.out101 + 1,
      in101: before.in101 + 1,
      peerConnections: before.peerConnections + 1,
      appConnections: before.appConnections + 1,
    });
  });

  it('answers an upgrade to a service without endpoints with 503 and l5d-proxy-error', async () => {
    const before = app.handshakes.length;
    const refusal = await refused(pair.outboundPort, 'no-endpoints');
    assert.equal(refusal.status, 503);
    assert.match(refusal.proxyError ?? '', /^FAIL_FAST: /);
    assert.equal(app.handshakes.length, before);
  });

  it("passes the app's own refusal back, body and all", async () => {
    const refusal = await refused(pair.outboundPort, pair.authority, '/private');
    assert.deepEqual(refusal, { status: 401, proxyError: undefined, body: 'who are you' });
  });

  it('carries any Upgrade, here in absolute form, to the app and pipes its bytes', async () => {
    const request = http.request({
      host: '127.0.0.1',
      port: pair.outboundPort,
      path: 'http://ai-kernel/echo?x=1',
      headers: { connection: 'upgrade', upgrade: 'shout' },
    });
    request.end();
    const [response, socket] = (await once(request, 'upgrade')) as [http.IncomingMessage, Duplex];
    assert.equal(response.statusCode, 101);
    assert.equal(response.headers.upgrade, 'shout');
    assert.equal(app.handshakes.at(-1)?.url, '/echo?x=1');
    assert.equal(app.handshakes.at(-1)?.headers.host, 'ai-kernel');
    socket.write('quiet words');
    const [reply] = (await once(socket, 'data')) as [Buffer];
    assert.equal(reply.toString(), 'QUIET WORDS');
    socket.end();
    await once(socket, 'close');
  });
});

describe('WebSocket to an app whose own app is down', () => {
  let pair: ProxyPair;
  before(async () => {
    pair = await startPair(mesh, { appPort: await closedPort() });
  });
  after(() => pair.close());

  it("answers 502 with the inbound proxy's l5d-proxy-error", async () => {
    const refusal = await refused(pair.outboundPort, pair.authority);
    assert.equal(refusal.status, 502);
    assert.match(refusal.proxyError ?? '', /^CONNECT_REFUSED: /);
  });
});

describe("WebSocket from outside the mesh to the gateway's inbound port", () => {
  let pair: ProxyPair;
  before(async () => {
    pair = await startPair(mesh, { appPort: app.port, external: true });
  });
  after(() => pair.close());

  it('is served on the plain port, without a caller identity (a forged one is removed)', async () => {
    const ws = await connect(pair.inboundPort, 'api-gateway', { 'l5d-client-id': 'forged' });
    assert.equal(app.handshakes.at(-1)?.headers['l5d-client-id'], undefined);
    ws.send('from outside');
    assert.deepEqual(await nextMessage(ws), { text: 'echo: from outside', binary: false });
    ws.close();
    await once(ws, 'close');
    const labels = { direction: 'inbound', tls: 'no_identity', status_code: '101' };
    assert.equal(sample(pair.inboundRegistry, 'response_total', labels), 1);
  });
});

describe('WebSocket to an inbound port whose policy is deny', () => {
  let pair: ProxyPair;
  before(async () => {
    pair = await startPair(mesh, { appPort: app.port, external: true, defaultPolicy: 'deny' });
  });
  after(() => pair.close());

  it('is refused with 403 before the app sees it', async () => {
    const before = app.handshakes.length;
    const refusal = await refused(pair.inboundPort, 'api-gateway');
    assert.equal(refusal.status, 403);
    assert.match(refusal.proxyError ?? '', /^UNAUTHORIZED: /);
    assert.equal(app.handshakes.length, before);
  });
});

// --- the app and its clients ---

interface UpgradeApp {
  readonly port: number;
  /** Every upgrade request that reached the app. */
  readonly handshakes: http.IncomingMessage[];
  /** The close the app's next WebSocket receives. */
  nextClose(): Promise<{ code: number; reason: string }>;
  close(): Promise<void>;
}

/**
 * An app that speaks WebSocket (echoing messages, closing with 4002 when asked) and a made-up
 * `shout` protocol that sends every byte back upper-cased.
 */
async function startUpgradeApp(): Promise<UpgradeApp> {
  const handshakes: http.IncomingMessage[] = [];
  const wss = new WebSocketServer({ noServer: true });
  const server = http.createServer((_req, res) => res.writeHead(426).end());
  server.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    handshakes.push(req);
    if (req.url === '/private') {
      socket.end('HTTP/1.1 401 Unauthorized\r\ncontent-length: 11\r\n\r\nwho are you');
      return;
    }
    if (req.headers.upgrade === 'websocket') {
      wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
      return;
    }
    socket.write(
      'HTTP/1.1 101 Switching Protocols\r\nconnection: upgrade\r\nupgrade: shout\r\n\r\n',
    );
    socket.on('data', (chunk: Buffer) => socket.write(chunk.toString().toUpperCase()));
    socket.on('end', () => socket.end());
  });
  wss.on('connection', (ws) => {
    ws.on('message', (data: RawData, binary: boolean) => {
      if (!binary && data.toString() === 'close please') ws.close(4002, 'server done');
      else ws.send(binary ? data : `echo: ${data}`, { binary });
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as AddressInfo).port,
    handshakes,
    nextClose: () =>
      new Promise((resolve) =>
        wss.once('connection', (ws: WebSocket) =>
          ws.once('close', (code: number, reason: Buffer) =>
            resolve({ code, reason: reason.toString() }),
          ),
        ),
      ),
    close: async () => {
      for (const client of wss.clients) client.terminate();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A WebSocket to `ws://127.0.0.1:port/chat` calling `host`, once open. */
async function connect(
  port: number,
  host: string,
  headers: Record<string, string> = {},
): Promise<WebSocket> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/chat`, { headers: { host, ...headers } });
  await once(ws, 'open');
  return ws;
}

/** The answer to a WebSocket upgrade that was refused. */
async function refused(
  port: number,
  host: string,
  path = '/chat',
): Promise<{ status: number; proxyError: string | undefined; body: string }> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}${path}`, { headers: { host } });
  ws.on('error', () => {});
  const [request, response] = (await once(ws, 'unexpected-response')) as [
    http.ClientRequest,
    http.IncomingMessage,
  ];
  let body = '';
  for await (const chunk of response) body += chunk;
  request.destroy();
  return {
    status: response.statusCode ?? 0,
    proxyError: response.headers[PROXY_ERROR_HEADER] as string | undefined,
    body,
  };
}

async function nextMessage(
  ws: WebSocket,
): Promise<{ text: string; binary: false } | { bytes: Buffer; binary: true }> {
  const [data, binary] = (await once(ws, 'message')) as [Buffer, boolean];
  return binary ? { bytes: data, binary } : { text: data.toString(), binary };
}

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = http.createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
