/**
 * HTTP/1.1 through a real proxy pair: keep-alive on the app's connection to its proxy, chunked
 * bodies both ways, and 20 MiB bodies streamed rather than held. The HTTP/1.1 request crosses
 * the mesh inside HTTP/2 (l5d-orig-proto) and reaches the app as HTTP/1.1 again.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import {
  CHUNK,
  digestOfChunks,
  latch,
  type ProxyPair,
  startPair,
  startTestMesh,
  type TestMesh,
  writeChunks,
} from '../testing/index.ts';

const CHUNKS = 320; // 20 MiB
const TOTAL = CHUNK.length * CHUNKS;
/**
 * The sender pauses after this much (1 MiB of 20), until the receiver reports its first chunk:
 * a proxy that held the body back would hang the test there. How far ahead the sender gets is
 * only reported, not bounded: across the pair, the kernel's loopback socket buffers alone take
 * about 5 MiB each way (as inbound/streaming.test.ts measured for one proxy).
 */
const HEAD_START = 16;

describe('HTTP/1.1 through a proxy pair', () => {
  let mesh: TestMesh;
  let pair: ProxyPair;
  let app: http.Server;
  let appConnections = 0;
  let route: http.RequestListener = (_req, res) => res.end();

  before(async () => {
    mesh = await startTestMesh();
    app = http.createServer((req, res) => route(req, res));
    app.on('connection', () => {
      appConnections += 1;
    });
    app.listen(0, '127.0.0.1');
    await once(app, 'listening');
    pair = await startPair(mesh, { appPort: (app.address() as AddressInfo).port });
  });
  after(async () => {
    await pair.close();
    app.closeAllConnections();
    app.close();
    await mesh.close();
  });

  it('keeps the app’s connection alive: 20 requests, one socket, each end of the mesh', async () => {
    route = (req, res) => {
      req.resume();
      req.on('end', () => res.end(`${req.method} ${req.url} over HTTP/${req.httpVersion}`));
    };
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const connectionsBefore = appConnections;
    const sockets = new Set<unknown>();
    const reused: boolean[] = [];
    for (let i = 0; i < 20; i++) {
      const method = i % 2 === 0 ? 'GET' : 'POST';
      const answer = await send(
        pair,
        { agent, method, path: `/n/${i}` },
        method === 'POST' ? 'x' : undefined,
      );
      assert.equal(answer.body, `${method} /n/${i} over HTTP/1.1`);
      sockets.add(answer.socket);
      reused.push(answer.reusedSocket);
    }
    agent.destroy();
    assert.equal(sockets.size, 1, 'the client used one connection to its outbound proxy');
    assert.deepEqual(reused, [false, ...Array(19).fill(true)]);
    assert.equal(appConnections - connectionsBefore, 1, 'and the inbound proxy one to the app');
  });

  it('passes chunked request and response bodies on, still chunked', async () => {
    let appSaw: { encoding: string | undefined; body: string } | undefined;
    route = async (req, res) => {
      let body = '';
      for await (const chunk of req) body += chunk;
      appSaw = { encoding: req.headers['transfer-encoding'], body };
      res.write('one,');
      res.write('two,');
      res.end('three');
    };
    const request = http.request({
      host: '127.0.0.1',
      port: pair.outboundPort,
      method: 'POST',
      path: '/chunked',
      headers: { host: pair.authority, 'transfer-encoding': 'chunked' },
      agent: false,
    });
    request.write('alpha,');
    request.write('beta,');
    request.end('gamma');
    const [response] = (await once(request, 'response')) as [http.IncomingMessage];
    let body = '';
    for await (const chunk of response) body += chunk;
    assert.deepEqual(appSaw, { encoding: 'chunked', body: 'alpha,beta,gamma' });
    assert.equal(response.headers['transfer-encoding'], 'chunked');
    assert.equal(body, 'one,two,three');
  });

  it('declines an h2c upgrade offer, as Linkerd does, and serves the request as HTTP/1.1', async () => {
    let appSaw: { method: string; upgrade: string | undefined; body: string } | undefined;
    route = async (req, res) => {
      let body = '';
      for await (const chunk of req) body += chunk;
      appSaw = { method: req.method ?? '', upgrade: req.headers.upgrade, body };
      res.end('plain answer');
    };
    const request = http.request({
      host: '127.0.0.1',
      port: pair.outboundPort,
      method: 'POST',
      path: '/offer',
      // What `curl --http2 http://ai-kernel/offer` sends.
      headers: {
        host: pair.authority,
        connection: 'Upgrade, HTTP2-Settings',
        upgrade: 'h2c',
        'http2-settings': 'AAMAAABkAARAAAAAAAIAAAAA',
      },
      agent: false,
    });
    request.end('payload');
    const [response] = (await once(request, 'response')) as [http.IncomingMessage];
    let body = '';
    for await (const chunk of response) body += chunk;
    assert.equal(response.statusCode, 200);
    assert.equal(body, 'plain answer');
    assert.deepEqual(appSaw, { method: 'POST', upgrade: undefined, body: 'payload' });
  });

  it('streams a 20 MiB request body to the app as it arrives', async (t) => {
    const written = { bytes: 0 };
    let received = 0;
    let aheadMost = 0;
    let sentBeforeAppGotAny: number | undefined;
    const appGotFirstChunk = latch();
    const hash = createHash('sha256');
    route = (req, res) => {
      req.on('data', (chunk: Buffer) => {
        received += chunk.length;
        aheadMost = Math.max(aheadMost, written.bytes - received);
        hash.update(chunk);
        sentBeforeAppGotAny ??= written.bytes;
        appGotFirstChunk.open();
      });
      req.on('end', () => res.end(String(received)));
    };
    const request = http.request({
      host: '127.0.0.1',
      port: pair.outboundPort,
      method: 'PUT',
      path: '/upload',
      headers: { host: pair.authority, 'content-length': String(TOTAL) },
      agent: false,
    });
    const answered = once(request, 'response') as Promise<[http.IncomingMessage]>;
    await writeChunks(request, HEAD_START, written);
    // A proxy that waited for the whole body would never let the app see this first chunk.
    await appGotFirstChunk.opened;
    await writeChunks(request, CHUNKS - HEAD_START, written);
    request.end();
    const [response] = await answered;
    let answer = '';
    for await (const chunk of response) answer += chunk;
    assert.equal(answer, String(TOTAL));
    assert.ok(sentBeforeAppGotAny! <= HEAD_START * CHUNK.length);
    assert.equal(hash.digest('hex'), digestOfChunks(CHUNKS));
    t.diagnostic(`the client was at most ${aheadMost} bytes ahead of the app`);
  });

  it('streams a 20 MiB response body to the client as the app writes it', async (t) => {
    const written = { bytes: 0 };
    let writtenBeforeClientGotAny: number | undefined;
    let aheadMost = 0;
    const clientGotFirstChunk = latch();
    route = async (_req, res) => {
      res.writeHead(200, { 'content-length': String(TOTAL) });
      await writeChunks(res, HEAD_START, written);
      await clientGotFirstChunk.opened;
      await writeChunks(res, CHUNKS - HEAD_START, written);
      res.end();
    };
    const response = await new Promise<http.IncomingMessage>((resolve, reject) =>
      http
        .get({
          host: '127.0.0.1',
          port: pair.outboundPort,
          path: '/download',
          headers: { host: pair.authority },
          agent: false,
        })
        .once('response', resolve)
        .once('error', reject),
    );
    assert.equal(response.headers['content-length'], String(TOTAL));
    let received = 0;
    const hash = createHash('sha256');
    for await (const chunk of response as AsyncIterable<Buffer>) {
      received += chunk.length;
      aheadMost = Math.max(aheadMost, written.bytes - received);
      hash.update(chunk);
      writtenBeforeClientGotAny ??= written.bytes;
      clientGotFirstChunk.open();
    }
    assert.equal(received, TOTAL);
    assert.ok(writtenBeforeClientGotAny! <= HEAD_START * CHUNK.length);
    assert.equal(hash.digest('hex'), digestOfChunks(CHUNKS));
    t.diagnostic(`the app was at most ${aheadMost} bytes ahead of the client`);
  });
});

interface Answer {
  readonly body: string;
  readonly socket: unknown;
  readonly reusedSocket: boolean;
}

function send(
  pair: ProxyPair,
  options: { agent: http.Agent; method: string; path: string },
  body?: string,
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const request = http.request({
      host: '127.0.0.1',
      port: pair.outboundPort,
      headers: { host: pair.authority },
      ...options,
    });
    request.once('error', reject);
    request.once('response', async (response) => {
      // Taken now: a keep-alive agent has the socket back once the body is read.
      const socket = response.socket;
      let text = '';
      for await (const chunk of response) text += chunk;
      resolve({ body: text, socket, reusedSocket: request.reusedSocket });
    });
    request.end(body);
  });
}
