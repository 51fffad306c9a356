import assert from 'node:assert/strict';
import http from 'node:http';
import http2 from 'node:http2';
import net from 'node:net';
import { describe, it } from 'node:test';
import { DEFAULT_H1_LIMITS } from '../h1/index.ts';
import { HeaderList } from '../http/headers.ts';
import { emptyResponse, type HttpHandler, type ProxyRequest } from '../http/message.ts';
import { listen } from './listener.ts';
import { h1, h2c } from './testing/index.ts';

/** Answers with what it saw; `/hold` waits until the test releases it. */
function recordingHandler() {
  const seen: ProxyRequest[] = [];
  let release: () => void = () => {};
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  const handler: HttpHandler = async (request) => {
    seen.push(request);
    if (request.path === '/hold') await released;
    return emptyResponse(
      200,
      HeaderList.from({
        'x-version': request.ctx.originalVersion,
        'x-authority': request.authority,
        'content-length': '0',
      }),
    );
  };
  return { handler, seen, release };
}

describe('listen', () => {
  it('serves HTTP/1.1 and h2c on one port, telling them apart by the first bytes', async () => {
    const { handler } = recordingHandler();
    const listener = await listen(handler, { host: '127.0.0.1', port: 0 });
    try {
      const port = listener.address.port;
      const viaH1 = await h1(port, { host: 'identity' });
      assert.deepEqual([viaH1.status, viaH1.headers['x-version']], [200, 'HTTP/1.1']);
      const viaH2 = await h2c(port, { ':path': '/', ':authority': 'identity' });
      assert.deepEqual([viaH2.status, viaH2.headers['x-version']], [200, 'HTTP/2']);

      // "P" could open either the HTTP/2 preface or a POST: it waits for the next byte.
      const raw = net.connect(port, '127.0.0.1');
      await new Promise((resolve) => raw.once('connect', resolve));
      raw.write('P');
      await new Promise((resolve) => setTimeout(resolve, 20));
      raw.write(
        'OST /p HTTP/1.1\r\nHost: vision\r\nContent-Length: 0\r\nConnection: close\r\n\r\n',
      );
      let text = '';
      for await (const chunk of raw) text += chunk;
      assert.match(text, /^HTTP\/1\.1 200 OK\r\n/);
      assert.match(text, /x-authority: vision\r\n/i);
    } finally {
      await listener.close();
    }
  });

  it('on close, lets a request in flight finish and closes idle connections at once', {
    timeout: 20_000,
  }, async () => {
    const { handler, seen, release } = recordingHandler();
    const listener = await listen(handler, { host: '127.0.0.1', port: 0 });
    const port = listener.address.port;
    const agent = new http.Agent({ keepAlive: true });
    const session = http2.connect(`http://127.0.0.1:${port}`);
    try {
      await h1(port, { host: 'a', agent }); // leaves an idle kept-alive connection
      const held = h1(port, { host: 'a', path: '/hold' });
      while (seen.length < 2) await new Promise((resolve) => setTimeout(resolve, 5));
      let closed = false;
      // A grace far beyond the test's timeout: closing must not need it.
      const closing = listener.close(60_000).then(() => {
        closed = true;
      });
      await new Promise((resolve) => setTimeout(resolve, 50));
      assert.equal(closed, false, 'waits for the held request');
      release();
      assert.equal((await held).status, 200);
      await closing;
      await assert.rejects(h1(port, { host: 'a' }), /ECONNREFUSED/);
    } finally {
      agent.destroy();
      session.destroy();
    }
  });

  it('applies the HTTP/1.1 limits it is given (fusion.yaml mesh.http1)', async () => {
    const { handler, seen } = recordingHandler();
    const limits = { ...DEFAULT_H1_LIMITS, maxFields: 8, maxStartLineBytes: 256 };
    const listener = await listen(handler, { host: '127.0.0.1', port: 0 }, undefined, { limits });
    const send = async (head: string) => {
      const raw = net.connect(listener.address.port, '127.0.0.1');
      raw.end(head);
      let text = '';
      for await (const chunk of raw) text += chunk;
      return text.slice(0, 12);
    };
    try {
      const fields = (n: number) => Array.from({ length: n }, (_, i) => `x-${i}: v\r\n`).join('');
      assert.equal(await send(`GET / HTTP/1.1\r\nhost: a\r\n${fields(7)}\r\n`), 'HTTP/1.1 200');
      assert.equal(await send(`GET / HTTP/1.1\r\nhost: a\r\n${fields(8)}\r\n`), 'HTTP/1.1 431');
      const long = `/${'a'.repeat(256)}`;
      assert.equal(await send(`GET ${long} HTTP/1.1\r\nhost: a\r\n\r\n`), 'HTTP/1.1 414');
      assert.equal(seen.length, 1, 'only the request within the limits reached the handler');
    } finally {
      await listener.close();
    }
  });
});
