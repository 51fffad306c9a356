import assert from 'node:assert/strict';
import { once } from 'node:events';
import http from 'node:http';
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { HeaderList } from '../http/headers.ts';
import { Body } from './body.ts';
import {
  emptyResponse,
  type HttpHandler,
  type ProxyRequest,
  type ProxyResponse,
} from './message.ts';
import { serve } from './serve.ts';

const facts = () => ({ clientId: undefined, tls: false });

async function listen(server: http.Server | http2.Http2Server): Promise<number> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as AddressInfo).port;
}

describe('serve', () => {
  const seen: ProxyRequest[] = [];
  let release: () => void = () => {};
  const handler: HttpHandler = async (request): Promise<ProxyResponse> => {
    seen.push(request);
    if (request.path === '/trailers-only') {
      return emptyResponse(
        200,
        HeaderList.from({ 'content-type': 'application/grpc', 'grpc-status': '5' }),
      );
    }
    if (request.path === '/stream') {
      const body = new Body();
      body.push(Buffer.from('first,'));
      release = () => {
        body.push(Buffer.from('last'));
        body.end();
      };
      return {
        status: 200,
        headers: HeaderList.from({ 'content-type': 'text/plain' }),
        body,
        trailers: Promise.resolve(undefined),
      };
    }
    const body = Body.of(Buffer.from(`${request.method} ${request.authority}${request.path}`));
    return {
      status: 200,
      headers: HeaderList.from({ 'x-extra': 'yes' }),
      body,
      trailers: Promise.resolve(HeaderList.from({ 'grpc-status': '0' })),
    };
  };
  const h1 = http.createServer(serve(handler, facts));
  const h2c = http2.createServer({}, serve(handler, facts));
  const sessions = new Set<http2.ServerHttp2Session>();
  h2c.on('session', (session) => sessions.add(session));
  let h1Port = 0;
  let h2cPort = 0;
  before(async () => {
    h1Port = await listen(h1);
    h2cPort = await listen(h2c);
  });
  after(() => {
    h1.closeAllConnections();
    h1.close();
    for (const session of sessions) session.destroy();
    h2c.close();
  });

  const get = (path: string, headers: Record<string, string> = {}) =>
    new Promise<http.IncomingMessage>((resolve, reject) => {
      http
        .get({ host: '127.0.0.1', port: h1Port, path, headers, agent: false }, resolve)
        .on('error', reject);
    });
  const text = async (res: http.IncomingMessage) => {
    let body = '';
    for await (const chunk of res) body += chunk;
    return body;
  };

  test('HTTP/1.1: Host and absolute-form targets both give the authority; hop-by-hop headers are dropped', async () => {
    const byHost = await get('/users/1?x=1', {
      host: 'identity',
      connection: 'keep-alive, x-private',
      'x-private': '1',
    });
    assert.equal(await text(byHost), 'GET identity/users/1?x=1');
    assert.equal(
      seen.at(-1)!.headers.get('x-private'),
      undefined,
      'headers named in Connection are hop-by-hop',
    );
    assert.equal(await text(await get('http://ai-kernel:8001/run')), 'GET ai-kernel:8001/run');
    const last = seen.at(-1)!;
    assert.equal(last.headers.get('connection'), undefined);
    assert.equal(last.ctx.originalVersion, 'HTTP/1.1');
  });

  test('a streamed response reaches the client chunk by chunk', async () => {
    const res = await get('/stream', { host: 'sse' });
    const [first] = await once(res, 'data');
    assert.equal(String(first), 'first,', 'the first chunk arrives while the body is still open');
    release();
    let rest = '';
    for await (const chunk of res) rest += chunk;
    assert.equal(rest, 'last');
  });

  test('HTTP/2: :authority is the authority and trailers are sent after the body', async () => {
    const session = http2.connect(`http://127.0.0.1:${h2cPort}`);
    const stream = session.request({
      ':path': '/svc.Method/Call',
      ':authority': 'identity',
      ':method': 'POST',
    });
    stream.end('payload');
    let body = '';
    stream.setEncoding('utf8');
    stream.on('data', (c: string) => {
      body += c;
    });
    // Trailers and end arrive back to back: listen for both before awaiting either.
    const ended = once(stream, 'end');
    const [trailers] = await once(stream, 'trailers');
    await ended;
    session.close();
    assert.equal(body, 'POST identity/svc.Method/Call');
    assert.equal(trailers['grpc-status'], '0');
    assert.equal(seen.at(-1)!.ctx.originalVersion, 'HTTP/2');
  });

  test("HTTP/2: a response without a body is one HEADERS frame ending the stream (gRPC's trailers-only)", async () => {
    const session = http2.connect(`http://127.0.0.1:${h2cPort}`);
    const stream = session.request({ ':path': '/trailers-only', ':authority': 'identity' });
    stream.end();
    const [headers, flags] = (await once(stream, 'response')) as [
      http2.IncomingHttpHeaders,
      number,
    ];
    stream.resume();
    await once(stream, 'end');
    session.close();
    assert.equal(headers['grpc-status'], '5');
    assert.ok(flags & http2.constants.NGHTTP2_FLAG_END_STREAM, 'the headers end the stream');
  });
});
