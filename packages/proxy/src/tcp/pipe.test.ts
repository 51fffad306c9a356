import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import net, { type AddressInfo, type Socket } from 'node:net';
import { afterEach, describe, it } from 'node:test';
import { type PipeResult, pipeBothWays } from './pipe.ts';

const servers: net.Server[] = [];
afterEach(() => {
  for (const server of servers.splice(0)) server.close();
});

async function listen(onSocket: (socket: Socket) => void): Promise<number> {
  const server = net.createServer({ allowHalfOpen: true }, onSocket);
  servers.push(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as AddressInfo).port;
}

/** A relay in front of `upstreamPort`: what an opaque proxy does, minus TLS. */
async function relay(upstreamPort: number, results: PipeResult[]): Promise<number> {
  return listen((accepted) => {
    const upstream = net.connect({ port: upstreamPort, host: '127.0.0.1', allowHalfOpen: true });
    void pipeBothWays(accepted, upstream).then((result) => results.push(result));
  });
}

function connect(port: number): Promise<Socket> {
  const socket = net.connect({ port, host: '127.0.0.1', allowHalfOpen: true });
  return once(socket, 'connect').then(() => socket);
}

/** Everything `socket` sends until its end, and how that ended. */
function readAll(socket: Socket): Promise<{ data: Buffer; error?: NodeJS.ErrnoException }> {
  const chunks: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  return new Promise((resolve) => {
    socket.once('end', () => resolve({ data: Buffer.concat(chunks) }));
    socket.once('error', (error) => resolve({ data: Buffer.concat(chunks), error }));
  });
}

const sha = (data: Buffer) => createHash('sha256').update(data).digest('hex');
const until = async (check: () => boolean) => {
  while (!check()) await new Promise((resolve) => setTimeout(resolve, 5));
};

describe('pipeBothWays', () => {
  it('passes a half-close on: the answer still flows after the client stops sending', async () => {
    const results: PipeResult[] = [];
    const echo = await listen((socket) => {
      const got = readAll(socket);
      // Answers only once the request has ended, as a server of a request-then-FIN protocol.
      void got.then(({ data }) => socket.end(`got ${data.length} bytes`));
    });
    const client = await connect(await relay(echo, results));
    const answer = readAll(client);
    client.end('request');
    assert.equal(String((await answer).data), 'got 7 bytes');
    await until(() => results.length === 1);
    assert.deepEqual(results[0], { error: undefined, failedSide: undefined });
  });

  it('carries several MiB both ways at once, with backpressure, intact', async () => {
    const results: PipeResult[] = [];
    const up = randomBytes(6 * 1024 * 1024);
    const down = randomBytes(5 * 1024 * 1024);
    let received: Buffer | undefined;
    const server = await listen((socket) => {
      socket.end(down);
      void readAll(socket).then(({ data }) => {
        received = data;
      });
    });
    const client = await connect(await relay(server, results));
    const answer = readAll(client);
    client.end(up);
    assert.equal(sha((await answer).data), sha(down));
    await until(() => received !== undefined && results.length === 1);
    assert.equal(sha(received!), sha(up));
    assert.equal(results[0]!.error, undefined);
  });

  it('an error on one side resets the other, and says which side failed', async () => {
    const results: PipeResult[] = [];
    const server = await listen((socket) => {
      socket.write('partial answer');
      // The upstream crashes mid-answer.
      setTimeout(() => socket.resetAndDestroy(), 20);
    });
    const client = await connect(await relay(server, results));
    const outcome = await readAll(client);
    assert.equal(String(outcome.data), 'partial answer');
    assert.equal(outcome.error?.code, 'ECONNRESET', 'a reset, not a FIN that looks complete');
    await until(() => results.length === 1);
    assert.equal((results[0]!.error as NodeJS.ErrnoException).code, 'ECONNRESET');
    assert.equal(results[0]!.failedSide, 'b');
  });

  it('a side destroyed before its directions ended cuts the other', async () => {
    const results: PipeResult[] = [];
    let upstream: Socket | undefined;
    const server = await listen((socket) => {
      upstream = socket;
    });
    const proxySide: Socket[] = [];
    const front = await listen((accepted) => {
      const dialled = net.connect({ port: server, host: '127.0.0.1', allowHalfOpen: true });
      proxySide.push(dialled);
      void pipeBothWays(accepted, dialled).then((result) => results.push(result));
    });
    const client = await connect(front);
    const outcome = readAll(client);
    await until(() => upstream !== undefined && proxySide.length === 1);
    proxySide[0]!.destroy();
    assert.equal((await outcome).error?.code, 'ECONNRESET');
    await until(() => results.length === 1);
    assert.equal(results[0]!.error, undefined);
  });

  it('a side that closed cleanly before the pipe was set up ends the other, cleanly', async () => {
    // The race a peer proxy that hangs up right after the handshake makes: the dialled
    // connection is already closed (no more events) when the pipe starts.
    const results: PipeResult[] = [];
    const server = await listen((socket) => socket.end());
    const front = await listen((accepted) => {
      const dialled = net.connect({ port: server, host: '127.0.0.1' });
      dialled.resume();
      dialled.once('close', () => {
        assert.equal(dialled.closed, true);
        void pipeBothWays(accepted, dialled).then((result) => results.push(result));
      });
    });
    const client = await connect(front);
    const outcome = await readAll(client);
    assert.deepEqual([outcome.data.length, outcome.error], [0, undefined], 'a FIN, no reset');
    client.end();
    await until(() => results.length === 1);
    assert.deepEqual(results[0], { error: undefined, failedSide: undefined });
  });
});
