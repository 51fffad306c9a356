/**
 * Server-Sent Events and other streamed responses through a real proxy pair: each piece the app
 * writes reaches the client while the app is still writing. The app waits for the client to
 * report a piece before it writes the next, so a proxy that held a response back would make
 * these tests hang rather than pass: ordering is the test's, never the clock's.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import {
  latch,
  type ProxyPair,
  startPair,
  startTestMesh,
  type TestMesh,
} from '../testing/index.ts';

describe('streamed responses through a proxy pair', () => {
  let mesh: TestMesh;
  let pair: ProxyPair;
  let app: http.Server;
  let route: http.RequestListener = (_req, res) => res.end();

  before(async () => {
    mesh = await startTestMesh();
    app = http.createServer((req, res) => route(req, res));
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

  it('Server-Sent Events: the first event reaches the client while the app is still streaming', async () => {
    const firstEventArrived = latch();
    let appWroteSecond = false;
    route = async (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      res.write('id: 1\nevent: status\ndata: thinking\n\n');
      await firstEventArrived.opened;
      appWroteSecond = true;
      res.write('id: 2\nevent: answer\ndata: 42\n\n');
      res.end();
    };
    const response = await get(pair, '/events', { accept: 'text/event-stream' });
    assert.equal(response.headers['content-type'], 'text/event-stream');
    const events: Record<string, string>[] = [];
    let secondWrittenWhenFirstArrived: boolean | undefined;
    let buffered = '';
    response.setEncoding('utf8');
    for await (const chunk of response) {
      buffered += chunk;
      let end = buffered.indexOf('\n\n');
      while (end !== -1) {
        events.push(parseEvent(buffered.slice(0, end)));
        buffered = buffered.slice(end + 2);
        end = buffered.indexOf('\n\n');
      }
      if (events.length > 0 && secondWrittenWhenFirstArrived === undefined) {
        secondWrittenWhenFirstArrived = appWroteSecond;
        firstEventArrived.open();
      }
    }
    assert.equal(secondWrittenWhenFirstArrived, false);
    assert.deepEqual(events, [
      { id: '1', event: 'status', data: 'thinking' },
      { id: '2', event: 'answer', data: '42' },
    ]);
  });

  it('a chunked response: each chunk is forwarded as it is written', async () => {
    const CHUNKS = 5;
    const arrivals = Array.from({ length: CHUNKS }, () => latch());
    const writtenWhenArrived: number[] = [];
    let written = 0;
    route = async (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      for (let i = 0; i < CHUNKS; i++) {
        res.write(`chunk ${i};`);
        written += 1;
        await arrivals[i]!.opened;
      }
      res.end();
    };
    const response = await get(pair, '/chunks');
    assert.equal(response.headers['transfer-encoding'], 'chunked');
    let text = '';
    let arrived = 0;
    response.setEncoding('utf8');
    for await (const chunk of response) {
      text += chunk;
      // A chunk may in principle arrive in pieces: count whole chunks only.
      while (text.split(';').length - 1 > arrived) {
        writtenWhenArrived.push(written);
        arrivals[arrived]!.open();
        arrived += 1;
      }
    }
    assert.equal(text, 'chunk 0;chunk 1;chunk 2;chunk 3;chunk 4;');
    // Chunk i reached the client when the app had written i + 1 and was waiting.
    assert.deepEqual(writtenWhenArrived, [1, 2, 3, 4, 5]);
  });
});

function get(
  pair: ProxyPair,
  path: string,
  headers: http.OutgoingHttpHeaders = {},
): Promise<http.IncomingMessage> {
  return new Promise((resolve, reject) => {
    http
      .get({
        host: '127.0.0.1',
        port: pair.outboundPort,
        path,
        headers: { host: pair.authority, ...headers },
        agent: false,
      })
      .once('response', resolve)
      .once('error', reject);
  });
}

/** One event's fields (`id: 1` → { id: '1' }). */
function parseEvent(text: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const colon = line.indexOf(':');
    fields[line.slice(0, colon)] = line.slice(colon + 1).trimStart();
  }
  return fields;
}
