/**
 * HTTP/2 end to end through a real proxy pair: an h2c client (prior knowledge) to its outbound
 * proxy, HTTP/2 over mTLS between the proxies, h2c to an app that speaks it. Streams stay
 * streams: many at once share one session each hop, and a body flows both ways at once.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { type ProxyPair, startPair, startTestMesh, type TestMesh } from '../testing/index.ts';

describe('HTTP/2 through a proxy pair to an h2c app', () => {
  let mesh: TestMesh;
  let pair: ProxyPair;
  let app: http2.Http2Server;
  let client: http2.ClientHttp2Session;
  /** The app's view of each request: its version, headers and session. */
  const seen: { version: string; headers: http2.IncomingHttpHeaders; session: object }[] = [];

  before(async () => {
    mesh = await startTestMesh();
    app = http2.createServer((req, res) => {
      seen.push({ version: req.httpVersion, headers: req.headers, session: req.stream.session! });
      if (req.url === '/echo') {
        // Headers at once, then each piece back as it comes: the client waits for each echo.
        res.writeHead(200, { 'content-type': 'application/octet-stream' });
        req.on('data', (chunk: Buffer) => res.write(chunk));
        req.on('end', () => res.end());
        return;
      }
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (chunk: string) => {
        body += chunk;
      });
      req.on('end', () => {
        res.addTrailers({ 'x-length': String(body.length) });
        res.end(`${req.method} ${req.url}: ${body}`);
      });
    });
    app.listen(0, '127.0.0.1');
    await once(app, 'listening');
    pair = await startPair(mesh, {
      appPort: (app.address() as AddressInfo).port,
      appProtocol: 'h2c',
    });
    client = http2.connect(`http://127.0.0.1:${pair.outboundPort}`);
  });
  after(async () => {
    client.close();
    await pair.close();
    app.close();
    await mesh.close();
  });

  it('carries a body and trailers; the app sees HTTP/2, the authority and the verified caller', async () => {
    const reply = await call(client, { ':method': 'POST', ':path': '/notes' }, 'remember this');
    assert.equal(reply.status, 200);
    assert.equal(reply.body, 'POST /notes: remember this');
    assert.equal(reply.trailers?.['x-length'], '13');
    const last = seen.at(-1)!;
    assert.equal(last.version, '2.0');
    assert.equal(last.headers[':authority'], 'ai-kernel');
    assert.equal(last.headers['l5d-client-id'], pair.caller.identity);
    assert.equal(last.headers['l5d-orig-proto'], undefined, 'HTTP/2 is not marked as upgraded');
  });

  it('carries 30 concurrent streams of one client session to the app on one session', async () => {
    const before = seen.length;
    const replies = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        call(client, { ':method': 'POST', ':path': `/n/${i}` }, `body ${i}`),
      ),
    );
    assert.deepEqual(
      replies.map((reply) => reply.body),
      Array.from({ length: 30 }, (_, i) => `POST /n/${i}: body ${i}`),
    );
    const sessions = new Set(seen.slice(before).map((s) => s.session));
    assert.equal(seen.length - before, 30);
    assert.equal(sessions.size, 1);
  });

  it('streams both ways at once: each piece is echoed before the next is sent', async () => {
    const stream = client.request({
      ':method': 'POST',
      ':path': '/echo',
      ':authority': pair.authority,
    });
    const [headers] = (await once(stream, 'response')) as [http2.IncomingHttpHeaders];
    assert.equal(headers[':status'], 200);
    const echoes: string[] = [];
    for (let i = 0; i < 10; i++) {
      const echoed = once(stream, 'data') as Promise<[Buffer]>;
      stream.write(`piece ${i}`);
      echoes.push(String((await echoed)[0]));
    }
    stream.end();
    stream.resume();
    await once(stream, 'end');
    assert.deepEqual(
      echoes,
      Array.from({ length: 10 }, (_, i) => `piece ${i}`),
    );
  });

  function call(
    session: http2.ClientHttp2Session,
    headers: http2.OutgoingHttpHeaders,
    body: string,
  ): Promise<{ status: number; body: string; trailers: http2.IncomingHttpHeaders | undefined }> {
    return new Promise((resolve, reject) => {
      const stream = session.request({ ':authority': pair.authority, ...headers });
      let status = 0;
      let text = '';
      let trailers: http2.IncomingHttpHeaders | undefined;
      stream.setEncoding('utf8');
      stream.once('response', (received) => {
        status = Number(received[':status']);
      });
      stream.once('trailers', (received) => {
        trailers = received;
      });
      stream.on('data', (chunk: string) => {
        text += chunk;
      });
      stream.once('end', () => resolve({ status, body: text, trailers }));
      stream.once('error', reject);
      stream.end(body);
    });
  }
});
