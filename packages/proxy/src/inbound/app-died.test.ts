/**
 * An app killed (SIGKILL) just as a request reaches it. The kernel tears the dead process's
 * sockets down one at a time, and on a busy machine the sidecar runs in between: the pooled
 * connection the request went out on dies first (reset if the app never read the request,
 * closed if it had) while the listening socket is still open, so the fresh connection the
 * request is sent again on is accepted into the backlog of a listener about to close, and reset
 * with it. That retry's error was answered RESET, where a moment later the same request gets
 * CONNECT_REFUSED: the e2e mesh test's flake. Whatever the interleaving, the caller gets one
 * answer while the app is down, CONNECT_REFUSED (docs/operations.md: "it is down or
 * restarting"). These tests replay each interleaving with socket events, never timing.
 *
 * The rule (h1/client.ts): a bodiless idempotent request whose pooled connection to the app dies
 * before a response head is sent once more on a new connection (never another pooled one); if
 * that one too is refused, or dies before a response head, the answer is CONNECT_REFUSED.
 */
import assert from 'node:assert/strict';
import net, { type AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { PROXY_ERROR_HEADER, rescueLayer } from '../errors/rescue.ts';
import { HeaderList } from '../http/headers.ts';
import type { ProxyRequest } from '../http/message.ts';
import { newForwardToApp } from './forward-to-app.ts';

describe('an app that dies as a request reaches it', () => {
  for (const [teardown, what] of [
    ['reset', 'the request unread on its pooled connection (reset)'],
    ['closed', 'the request read, never answered (closed)'],
  ] as const) {
    it(`answers CONNECT_REFUSED, not RESET: ${what}, then its listener closing`, async (t) => {
      const app = await startDyingApp(teardown);
      const client = newForwardToApp(
        { host: '127.0.0.1', port: app.port, connectTimeoutMs: 1_000 },
        'http1',
      );
      t.after(() => {
        client.close();
        app.close();
      });
      const handler = rescueLayer()(client.handler);
      const alive = await handler(get());
      alive.body?.resume();
      await alive.trailers;
      assert.equal(alive.status, 200);

      app.kill();
      const died = await handler(get());
      assert.equal(died.status, 502);
      assert.match(String(died.headers.get(PROXY_ERROR_HEADER)), /^CONNECT_REFUSED: /);
      // Sent on the pooled connection, then once more on a fresh one.
      assert.deepEqual(app.figures, { connections: 2, answered: 1, dropped: 2 });

      // And the same answer while it stays down.
      const down = await handler(get());
      assert.match(
        String(down.headers.get(PROXY_ERROR_HEADER)),
        /^CONNECT_REFUSED: .*ECONNREFUSED/,
      );
      assert.deepEqual(app.figures, { connections: 2, answered: 1, dropped: 2 });
    });
  }

  it('answers CONNECT_REFUSED when the first connection itself lands on the closing listener', async (t) => {
    const app = await startDyingApp('reset');
    const client = newForwardToApp(
      { host: '127.0.0.1', port: app.port, connectTimeoutMs: 1_000 },
      'http1',
    );
    t.after(() => {
      client.close();
      app.close();
    });
    app.kill();
    const died = await rescueLayer()(client.handler)(get());
    assert.equal(died.status, 502);
    assert.match(String(died.headers.get(PROXY_ERROR_HEADER)), /^CONNECT_REFUSED: /);
    assert.deepEqual(app.figures, { connections: 1, answered: 0, dropped: 1 });
  });
});

function get(): ProxyRequest {
  return {
    method: 'GET',
    authority: 'identity',
    path: '/v1/whoami',
    headers: new HeaderList(),
    body: null,
    ctx: {
      startedAt: process.hrtime.bigint(),
      clientId: undefined,
      tls: true,
      originalVersion: 'HTTP/1.1',
    },
  };
}

/**
 * An HTTP/1.1 app answering with keep-alive until `kill()`. After it, in the order a SIGKILLed
 * process's sockets go: a request on a connection accepted before the kill finds it `reset` or
 * `closed` (the listener still open); the next connection is accepted, the listener closes
 * behind it (later connects are refused), and it is reset when its request arrives.
 */
async function startDyingApp(teardown: 'reset' | 'closed') {
  const figures = { connections: 0, answered: 0, dropped: 0 };
  const sockets = new Set<net.Socket>();
  let killed = false;
  const server = net.createServer((socket) => {
    figures.connections++;
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    // Accepted after the kill: in the backlog of a listener that closes next.
    const inBacklog = killed;
    if (inBacklog) server.close();
    let buffered = '';
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      buffered += chunk;
      if (!buffered.includes('\r\n\r\n')) return;
      buffered = '';
      if (!killed) {
        figures.answered++;
        socket.write('HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: keep-alive\r\n\r\nok');
        return;
      }
      figures.dropped++;
      if (inBacklog || teardown === 'reset') socket.resetAndDestroy();
      else socket.destroy();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    figures,
    kill: () => {
      killed = true;
    },
    close: () => {
      for (const socket of sockets) socket.destroy();
      server.close();
    },
  };
}
