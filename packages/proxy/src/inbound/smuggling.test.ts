/**
 * The smuggling corpus (h1/testing/smuggling-corpus.ts) on raw sockets to a real inbound proxy:
 * the gateway's port (plain HTTP/1.1 from outside the mesh) and a mesh port (HTTP/1.1 over mTLS
 * with a valid client certificate). Every entry is answered 4xx/5xx or the connection closed,
 * and the app behind, which records each request it finishes reading, records none of them.
 * Pipelined valid requests are answered in order on both.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { text } from 'node:stream/consumers';
import { after, before, describe, it } from 'node:test';
import tls from 'node:tls';
import { pipelinedRequests, smugglingCorpus } from '../h1/testing/smuggling-corpus.ts';
import {
  type App,
  type Mesh,
  SERVER_ID,
  startApp,
  startMesh,
  startProxy,
} from './testing/index.ts';

type Dial = (port: number) => net.Socket;

/**
 * Writes `raw` and resolves with all the proxy sent back until it closed the connection, or
 * until `done` says the answers are all in. (No half-close: the listeners, like node's, close
 * a connection whose client has sent FIN.)
 */
function exchange(
  dial: Dial,
  port: number,
  raw: string,
  done?: (out: string) => boolean,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = dial(port);
    const chunks: Buffer[] = [];
    const output = () => Buffer.concat(chunks).toString('latin1');
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      if (done?.(output())) socket.destroy();
    });
    socket.on('error', (error: NodeJS.ErrnoException) =>
      // A proxy that closes at once on a refusal may reset a client still writing: closed.
      error.code === 'ECONNRESET' || error.code === 'EPIPE' ? undefined : reject(error),
    );
    socket.on('close', () => resolve(output()));
    socket.write(Buffer.from(raw, 'latin1'));
  });
}

describe('malformed and smuggling requests on raw sockets to the inbound proxy', () => {
  let mesh: Mesh;
  let app: App;
  /** Requests the app read to their end. */
  const completed: string[] = [];
  let gatewayPort: number;
  let meshPort: number;
  const closers: (() => Promise<void>)[] = [];

  before(async () => {
    mesh = await startMesh();
    app = await startApp((req, res) => {
      text(req).then(
        (body) => {
          completed.push(`${req.method} ${req.url} ${body.length}`);
          res.setHeader('x-path', req.url ?? '');
          res.end('ok');
        },
        // A body the proxy cut (bad chunk framing): aborted here, never completed.
        () => res.destroy(),
      );
    });
    const gateway = await startProxy(mesh, app.port, {
      defaultPolicy: 'all-authenticated',
      external: true,
    });
    const internal = await startProxy(mesh, app.port, { defaultPolicy: 'all-authenticated' });
    gatewayPort = gateway.port;
    meshPort = internal.port;
    closers.push(
      () => gateway.close(),
      () => internal.close(),
      () => app.close(),
      () => mesh.close(),
    );
  });
  after(async () => {
    for (const close of closers) await close();
  });

  const dials: [string, () => Dial, () => number][] = [
    ['the gateway port, plain', () => (port) => net.connect(port, '127.0.0.1'), () => gatewayPort],
    [
      'a mesh port, mTLS with a valid client certificate',
      () => (port) =>
        tls.connect({
          host: '127.0.0.1',
          port,
          key: mesh.caller.keyPem,
          cert: mesh.caller.certChainPem,
          ca: mesh.pki.anchorsPem,
          servername: SERVER_ID,
          checkServerIdentity: () => undefined,
          ALPNProtocols: ['http/1.1'],
        }),
      () => meshPort,
    ],
  ];

  for (const [where, dial, port] of dials) {
    it(`refuses all ${smugglingCorpus.length} corpus entries on ${where}; the app completes none`, async () => {
      assert.ok(smugglingCorpus.length >= 40);
      completed.length = 0;
      // Bad heads first: none may reach the app at all. Then bad bodies, whose heads do (the
      // body streams) but which the app never reads to an end.
      const seenBefore = app.seen.length;
      for (const entry of smugglingCorpus.filter((e) => e.refused === 'head')) {
        const out = await exchange(dial(), port(), entry.raw);
        const status = /^HTTP\/1\.1 (\d{3}) /.exec(out)?.[1];
        assert.equal(status, String(entry.status), `${entry.name}: ${out.slice(0, 120)}`);
        assert.equal(app.seen.length, seenBefore, `${entry.name}: its head reached the app`);
      }
      for (const entry of smugglingCorpus.filter((e) => e.refused === 'body')) {
        const out = await exchange(dial(), port(), entry.raw);
        const status = /^HTTP\/1\.1 (\d{3}) /.exec(out)?.[1];
        // Cut before its end: an error status or a closed connection, never the app's 200.
        assert.ok(status === undefined || Number(status) >= 400, `${entry.name}: ${status}`);
      }
      assert.deepEqual(completed, [], 'the app completed none of them');
    });

    it(`answers pipelined requests in order on ${where}`, async () => {
      for (const pipeline of pipelinedRequests) {
        const answered = (out: string) =>
          [...out.matchAll(/x-path: \S+[\s\S]*?\r\n\r\nok/g)].length === pipeline.targets.length;
        const out = await exchange(dial(), port(), pipeline.raw, answered);
        const paths = [...out.matchAll(/x-path: (\S+)/g)].map((m) => m[1]);
        assert.deepEqual(paths, pipeline.targets, pipeline.name);
      }
    });
  }
});
