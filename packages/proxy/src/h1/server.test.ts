import assert from 'node:assert/strict';
import net, { type AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { Body } from '../http/body.ts';
import { HeaderList } from '../http/headers.ts';
import { emptyResponse, type HttpHandler, type ProxyRequest } from '../http/message.ts';
import { serveH1 } from './server.ts';
import { smugglingCorpus } from './testing/smuggling-corpus.ts';

/** A raw-socket exchange: writes `input`, resolves with everything the server sent until close. */
function exchange(port: number, input: string | Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => resolve(Buffer.concat(chunks).toString('latin1')));
    socket.end(typeof input === 'string' ? Buffer.from(input, 'latin1') : input);
  });
}

describe('serveH1', () => {
  const seen: ProxyRequest[] = [];
  const completed: string[] = [];
  let server: net.Server;
  let port: number;
  const handler: HttpHandler = async (request) => {
    seen.push(request);
    const body = request.body ? (await request.body.toBuffer()).toString() : '';
    completed.push(`${request.method} ${request.path}`);
    if (request.path === '/stream') {
      return {
        status: 200,
        headers: new HeaderList(),
        body: Body.of(Buffer.from('a'), Buffer.from('bc')),
        trailers: Promise.resolve(HeaderList.from({ 'grpc-status': '0' })),
      };
    }
    return emptyResponse(
      200,
      HeaderList.from({
        'content-length': String(body.length + request.path.length),
        'x-path': request.path,
      }),
    );
  };

  before(async () => {
    server = net.createServer((socket) =>
      serveH1(socket, handler, { clientId: undefined, tls: false }),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('answers pipelined requests in the order they were sent (RFC 9112 §9.3.2)', async () => {
    const out = await exchange(
      port,
      'GET /first HTTP/1.1\r\nHost: a\r\n\r\nPOST /second HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabcGET /third HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n',
    );
    const paths = [...out.matchAll(/x-path: (\S+)/g)].map((m) => m[1]);
    assert.deepEqual(paths, ['/first', '/second', '/third']);
    assert.match(out, /connection: close/);
  });

  it('streams a body without a length as chunks, with trailers', async () => {
    const out = await exchange(
      port,
      'GET /stream HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n',
    );
    assert.match(out, /transfer-encoding: chunked\r\n/);
    assert.ok(out.endsWith('\r\n\r\n1\r\na\r\n2\r\nbc\r\n0\r\ngrpc-status: 0\r\n\r\n'), out);
  });

  it('answers 100 Continue when the body is pulled', async () => {
    const out = await new Promise<string>((resolve) => {
      const socket = net.connect(port, '127.0.0.1');
      let received = '';
      socket.on('data', (chunk) => {
        received += chunk.toString('latin1');
        if (received === 'HTTP/1.1 100 Continue\r\n\r\n') socket.end('hello');
      });
      socket.on('close', () => resolve(received));
      socket.write(
        'PUT /c HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 5\r\nConnection: close\r\n\r\n',
      );
    });
    assert.match(out, /^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 200 OK\r\n/);
    assert.match(out, /content-length: 7/);
  });

  it('refuses every corpus entry with its status and closes, no complete request reaching the handler', async () => {
    for (const entry of smugglingCorpus) {
      seen.length = 0;
      completed.length = 0;
      const out = await exchange(port, Buffer.from(entry.raw, 'latin1'));
      if (entry.refused === 'head') {
        assert.equal(seen.length, 0, `${entry.name}: no request reaches the handler`);
        assert.match(
          out,
          new RegExp(`^HTTP/1\\.1 ${entry.status} `),
          `${entry.name}: ${out.slice(0, 80)}`,
        );
        assert.match(out, /connection: close/, entry.name);
      } else {
        assert.equal(completed.length, 0, `${entry.name}: its body never completes`);
      }
    }
  });
});
