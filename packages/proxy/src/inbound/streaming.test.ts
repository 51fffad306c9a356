/**
 * Bodies stream through the proxy: each side sees the other's first bytes long before the last
 * are sent, which a proxy that buffered a body could never allow. Ordering is enforced by the
 * tests themselves (a sender waits for the receiver's first chunk), so nothing here depends on
 * timing: a buffering proxy would make these tests hang, not flake.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { after, before, describe, it } from 'node:test';
import { CHUNK, digestOfChunks, writeChunks } from '../testing/streams.ts';
import {
  type App,
  latch,
  type Mesh,
  meshConnect,
  startApp,
  startMesh,
  startProxy,
} from './testing/index.ts';

const CHUNKS = 160; // 10 MiB
const TOTAL = CHUNK.length * CHUNKS;
/** The sender pauses after this much, until the receiver reports its first chunk. */
const HEAD_START = 16;
/**
 * How far the caller may get ahead of the app while both read promptly: HTTP/2 flow-control
 * windows and stream buffers, a tenth of the body (measured: about 112 KiB). A proxy holding
 * the body would let it reach 10 MiB.
 */
const AHEAD_AT_MOST = TOTAL / 10;

describe('streaming through the inbound proxy', () => {
  let mesh: Mesh;
  before(async () => {
    mesh = await startMesh();
  });
  after(() => mesh.close());

  it('streams a 10 MiB request body to the app as it arrives', async (t) => {
    let received = 0;
    let aheadMost = 0;
    let sentBeforeAppGotAny: number | undefined;
    const written = { bytes: 0 };
    const hash = createHash('sha256');
    const appGotFirstChunk = latch();
    const app = await startApp((req, res) => {
      req.on('data', (chunk: Buffer) => {
        received += chunk.length;
        aheadMost = Math.max(aheadMost, written.bytes - received);
        hash.update(chunk);
        sentBeforeAppGotAny ??= written.bytes;
        appGotFirstChunk.open();
      });
      req.on('end', () => res.end(String(received)));
    });
    const { session } = await through(app, t);

    const stream = session.request({ ':method': 'POST', ':path': '/upload' });
    stream.setEncoding('utf8');
    let answer = '';
    stream.on('data', (chunk: string) => {
      answer += chunk;
    });
    await writeChunks(stream, HEAD_START, written);
    await appGotFirstChunk.opened;
    await writeChunks(stream, CHUNKS - HEAD_START, written);
    stream.end();
    await once(stream, 'end');

    assert.equal(answer, String(TOTAL));
    assert.ok(sentBeforeAppGotAny! <= HEAD_START * CHUNK.length);
    t.diagnostic(`the client was at most ${aheadMost} bytes ahead of the app`);
    assert.ok(aheadMost < AHEAD_AT_MOST);
    assert.equal(hash.digest('hex'), digestOfChunks(CHUNKS));
  });

  it('streams a 10 MiB response body to the caller as the app writes it', async (t) => {
    const written = { bytes: 0 };
    let aheadMost = 0;
    let writtenBeforeCallerGotAny: number | undefined;
    const callerGotFirstChunk = latch();
    const app = await startApp(async (_req, res) => {
      res.writeHead(200, { 'content-length': String(TOTAL) });
      await writeChunks(res, HEAD_START, written);
      await callerGotFirstChunk.opened;
      await writeChunks(res, CHUNKS - HEAD_START, written);
      res.end();
    });
    const { session } = await through(app, t);
    const stream = session.request({ ':path': '/download' });
    let received = 0;
    const hash = createHash('sha256');
    stream.on('data', (chunk: Buffer) => {
      received += chunk.length;
      aheadMost = Math.max(aheadMost, written.bytes - received);
      hash.update(chunk);
      writtenBeforeCallerGotAny ??= written.bytes;
      callerGotFirstChunk.open();
    });
    await once(stream, 'end');
    assert.equal(received, TOTAL);
    assert.ok(writtenBeforeCallerGotAny! <= HEAD_START * CHUNK.length);
    // Not bounded like the request: on loopback the kernel's socket buffers alone take ~5.5 MiB
    // of what the app writes (measured the same without the proxy), so this is for reading only.
    t.diagnostic(`the app was at most ${aheadMost} bytes ahead of the client`);
    assert.equal(hash.digest('hex'), digestOfChunks(CHUNKS));
  });

  it("passes a chunked response's chunks on one by one", async (t) => {
    const callerSawFirst = latch();
    const app = await startApp(async (_req, res) => {
      res.write('first');
      await callerSawFirst.opened;
      res.end('last');
    });
    const { session } = await through(app, t);
    const stream = session.request({ ':path': '/chunks' });
    stream.setEncoding('utf8');
    const chunks: string[] = [];
    stream.on('data', (chunk: string) => {
      chunks.push(chunk);
      callerSawFirst.open();
    });
    await once(stream, 'end');
    assert.deepEqual(chunks, ['first', 'last']);
  });

  /** The proxy in front of `app` and a mesh session to it, all closed after the test. */
  async function through(app: App, t: { after(fn: () => Promise<void>): void }) {
    const proxy = await startProxy(mesh, app.port);
    const session = meshConnect(mesh, proxy.port, mesh.caller);
    t.after(async () => {
      session.close();
      await proxy.close();
      await app.close();
    });
    return { proxy, session };
  }
});
