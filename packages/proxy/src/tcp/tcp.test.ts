/**
 * Opaque TCP through a real proxy pair, with certificates from the control plane's identity
 * service: app → outbound TCP listener → mTLS → opaque inbound → app, for an echo server and
 * for the machine's Redis; refusals (no certificate, a peer proving the wrong identity, an app
 * that is down, an HTTP/2 client at an opaque port); Linkerd's transport metrics on both sides.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import net, { type AddressInfo, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import tls from 'node:tls';
import { Registry } from '@fusion/telemetry';
import { staticDiscovery } from '../discovery/index.ts';
import { OPAQUE_ALPN } from '../outbound/connect.ts';
import { quietLogger, startTestMesh, type TestMesh, type TestWorkload } from '../testing/index.ts';
import { type OpaqueInbound, startOpaqueInbound } from './inbound.ts';
import { startTcpOutbound, type TcpOutbound } from './outbound.ts';

const REDIS = { host: '127.0.0.1', port: 6379 };

/** The sum of `name`'s series whose labels include every one of `labels`. */
function total(registry: Registry, name: string, labels: Record<string, string>): number {
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  let sum = 0;
  for (const line of registry.expose().split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    const space = line.lastIndexOf(' ');
    if (wanted.every((w) => line.slice(0, space).includes(w))) sum += Number(line.slice(space + 1));
  }
  return sum;
}

/** Echoes what it is sent and, once the client has half-closed, says `bye` and ends too. */
async function startEchoApp(): Promise<{ server: net.Server; connections: () => number }> {
  let connections = 0;
  const server = net.createServer({ allowHalfOpen: true }, (socket) => {
    connections += 1;
    socket.on('error', () => {});
    socket.pipe(socket, { end: false });
    socket.once('end', () => socket.end('bye'));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, connections: () => connections };
}

function connect(port: number): Promise<Socket> {
  const socket = net.connect({ port, host: '127.0.0.1', allowHalfOpen: true });
  return once(socket, 'connect').then(() => socket);
}

/** Everything `socket` receives until its end, or the error that cut it. */
function readAll(socket: Socket): Promise<{ data: Buffer; error?: NodeJS.ErrnoException }> {
  const chunks: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  return new Promise((resolve) => {
    socket.once('end', () => resolve({ data: Buffer.concat(chunks) }));
    socket.once('error', (error) => resolve({ data: Buffer.concat(chunks), error }));
  });
}

/** A raw RESP client: one command at a time, each resolving with Redis's whole reply. */
function redisClient(socket: Socket) {
  let buffered = '';
  let waiting: ((reply: string) => void) | undefined;
  // Enough for the replies used here: simple strings, errors, integers and short bulk strings.
  const complete = /^(?:[+\-:][^\r]*\r\n|\$-1\r\n|\$\d+\r\n[^\r]*\r\n)/;
  socket.on('data', (chunk: Buffer) => {
    buffered += String(chunk);
    const reply = complete.exec(buffered)?.[0];
    if (reply === undefined || !waiting) return;
    buffered = buffered.slice(reply.length);
    waiting(reply);
  });
  return (...args: string[]) =>
    new Promise<string>((resolve) => {
      waiting = resolve;
      socket.write(
        `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`,
      );
    });
}

const sha = (data: Buffer) => createHash('sha256').update(data).digest('hex');
const until = async (check: () => boolean, what: string) => {
  for (let i = 0; i < 400 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(check(), `timed out waiting for ${what}`);
};

describe('opaque TCP through a proxy pair', () => {
  let mesh: TestMesh;
  let caller: TestWorkload;
  let echoService: TestWorkload;
  let redisService: TestWorkload;
  let echo: Awaited<ReturnType<typeof startEchoApp>>;
  const callerRegistry = new Registry();
  const calleeRegistry = new Registry();
  let echoInbound: OpaqueInbound;
  let redisInbound: OpaqueInbound;
  let downInbound: OpaqueInbound;
  let outbound: TcpOutbound;
  const port = (service: string) =>
    outbound.listeners.find((l) => l.service === service)!.address.port;

  before(async () => {
    mesh = await startTestMesh();
    caller = await mesh.workload('api-gateway');
    echoService = await mesh.workload('echo');
    redisService = await mesh.workload('redis');
    echo = await startEchoApp();
    const inbound = (app: { host: string; port: number }, workload: TestWorkload) =>
      startOpaqueInbound({
        listen: { host: '127.0.0.1', port: 0 },
        app,
        identity: workload.client,
        defaultPolicy: 'all-authenticated',
        registry: calleeRegistry,
        logger: quietLogger(),
      });
    const echoPort = (echo.server.address() as AddressInfo).port;
    echoInbound = await inbound({ host: '127.0.0.1', port: echoPort }, echoService);
    redisInbound = await inbound(REDIS, redisService);
    const closedPort = await freePort();
    downInbound = await inbound({ host: '127.0.0.1', port: closedPort }, echoService);
    const at = (inbound: OpaqueInbound) => `127.0.0.1:${inbound.address.port}`;
    outbound = await startTcpOutbound({
      upstreams: ['echo', 'redis', 'impostor', 'down', 'spread'].map((service) => ({
        service,
        listen: { host: '127.0.0.1', port: 0 },
      })),
      identity: caller.client,
      discovery: staticDiscovery({
        echo: [{ address: at(echoInbound), identity: echoService.identity }],
        redis: [{ address: at(redisInbound), identity: redisService.identity }],
        // A real mesh peer, but discovery says it must be someone else.
        impostor: [{ address: at(echoInbound), identity: redisService.identity }],
        down: [{ address: at(downInbound), identity: echoService.identity }],
        // One replica gone: connections must still get through, to the other.
        spread: [
          { address: `127.0.0.1:${closedPort}`, identity: echoService.identity },
          { address: at(echoInbound), identity: echoService.identity },
        ],
      }),
      registry: callerRegistry,
      logger: quietLogger(),
      // Long enough that a replica that failed once is not tried again during the test.
      backoff: { minMs: 60_000 },
    });
  });

  after(async () => {
    await outbound.close(0);
    await Promise.all([echoInbound.close(0), redisInbound.close(0), downInbound.close(0)]);
    echo.server.close();
    await mesh.close();
  });

  it('carries several MiB both ways, and the answer after a half-close', async () => {
    const payload = randomBytes(5 * 1024 * 1024);
    const client = await connect(port('echo'));
    const answer = readAll(client);
    client.end(payload);
    const { data, error } = await answer;
    assert.equal(error, undefined);
    assert.equal(data.length, payload.length + 3);
    assert.equal(sha(data.subarray(0, payload.length)), sha(payload));
    // Written by the app only after it saw the client's FIN, through both proxies.
    assert.equal(String(data.subarray(payload.length)), 'bye');
  });

  it("speaks to the machine's Redis through the pair: PING, SET, GET", async () => {
    const client = await connect(port('redis'));
    const redis = redisClient(client);
    const key = `fusion-tcp-test-${randomBytes(6).toString('hex')}`;
    try {
      assert.equal(await redis('PING'), '+PONG\r\n');
      assert.equal(await redis('SET', key, 'through the mesh'), '+OK\r\n');
      assert.equal(await redis('GET', key), '$16\r\nthrough the mesh\r\n');
      assert.equal(await redis('DEL', key), ':1\r\n');
    } finally {
      client.end();
    }
  });

  it('refuses a client without a mesh certificate in the handshake; the app never sees it', async () => {
    const before = echo.connections();
    const errorsBefore = total(calleeRegistry, 'inbound_tcp_errors_total', {
      error: 'TLS_HANDSHAKE',
    });
    const error = await new Promise<NodeJS.ErrnoException>((resolve, reject) => {
      const socket = tls.connect({
        host: '127.0.0.1',
        port: echoInbound.address.port,
        ca: mesh.anchorsPem,
        servername: echoService.identity,
        ALPNProtocols: [OPAQUE_ALPN],
      });
      socket.once('error', resolve);
      // TLS 1.3: the server's refusal arrives after our side thinks the handshake is done.
      socket.once('secureConnect', () => socket.write('PING\r\n'));
      socket.once('data', () =>
        reject(new Error('an opaque port answered a caller without a certificate')),
      );
    });
    assert.equal(error.code, 'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED');
    await until(
      () =>
        total(calleeRegistry, 'inbound_tcp_errors_total', { error: 'TLS_HANDSHAKE' }) >
        errorsBefore,
      'the refusal to be counted',
    );
    assert.equal(echo.connections(), before);
  });

  it('refuses an HTTP/2 client at an opaque port: the ALPN does not match', async () => {
    const error = await new Promise<NodeJS.ErrnoException>((resolve) => {
      const credentials = caller.client.credentials()!;
      const socket = tls.connect({
        host: '127.0.0.1',
        port: echoInbound.address.port,
        ...credentials.secureContextOptions(),
        servername: echoService.identity,
        ALPNProtocols: ['h2'],
      });
      socket.once('error', resolve);
    });
    assert.equal(error.code, 'ERR_SSL_TLSV1_ALERT_NO_APPLICATION_PROTOCOL');
  });

  it('refuses a peer that proves another identity than discovery names, and counts it', async () => {
    const before = echo.connections();
    const client = await connect(port('impostor'));
    const { data, error } = await readAll(client);
    assert.equal(data.length, 0);
    assert.equal(error?.code, 'ECONNRESET', 'the app is told, by a reset, that nothing connected');
    assert.equal(
      total(callerRegistry, 'outbound_tcp_errors_total', { error: 'PEER_IDENTITY_MISMATCH' }),
      1,
    );
    assert.equal(echo.connections(), before);
  });

  it('closes the caller when the app behind the opaque port is down, and counts it', async () => {
    const client = await connect(port('down'));
    const { data, error } = await readAll(client);
    // The inbound proxy can only close the TLS connection (no reset crosses TLS): the app sees
    // the end of the stream, with nothing in it, and closes its side.
    assert.equal(data.length, 0);
    assert.equal(error, undefined);
    client.end();
    await until(
      () => total(calleeRegistry, 'inbound_tcp_errors_total', { error: 'CONNECT_REFUSED' }) === 1,
      'the app connect failure to be counted',
    );
  });

  it('skips a replica that failed and sends every connection to the one that works', async () => {
    for (let i = 0; i < 6; i++) {
      const client = await connect(port('spread'));
      const answer = readAll(client);
      client.end('x');
      assert.equal(String((await answer).data), 'xbye');
    }
    // The dead one was tried at most once, then backed off.
    assert.ok(
      total(callerRegistry, 'outbound_tcp_errors_total', { error: 'CONNECT_REFUSED' }) <= 1,
    );
  });

  it("counts every connection in Linkerd's transport metrics, both sides, back to 0 open", async () => {
    const payload = randomBytes(256 * 1024);
    const client = await connect(port('echo'));
    const answer = readAll(client);
    await until(() => total(callerRegistry, 'tcp_open_connections', {}) >= 2, 'the open gauge');
    client.end(payload);
    await answer;
    await until(
      () =>
        total(callerRegistry, 'tcp_open_connections', {}) === 0 &&
        total(calleeRegistry, 'tcp_open_connections', {}) === 0,
      'every connection to close',
    );
    const sides = [
      [
        callerRegistry,
        { direction: 'outbound', peer: 'src', tls: 'no_identity', no_tls_reason: 'loopback' },
      ],
      [
        callerRegistry,
        { direction: 'outbound', peer: 'dst', tls: 'true', server_id: echoService.identity },
      ],
      [
        calleeRegistry,
        { direction: 'inbound', peer: 'src', tls: 'true', client_id: caller.identity },
      ],
      [
        calleeRegistry,
        { direction: 'inbound', peer: 'dst', tls: 'no_identity', no_tls_reason: 'loopback' },
      ],
    ] as const;
    for (const [registry, labels] of sides) {
      const what = JSON.stringify(labels);
      assert.ok(total(registry, 'tcp_open_total', labels) >= 2, `opened ${what}`);
      assert.equal(
        total(registry, 'tcp_close_total', { ...labels }),
        total(registry, 'tcp_open_total', labels),
        `every open one closed ${what}`,
      );
      // The 5 MiB and 256 KiB runs at least, each way.
      assert.ok(
        total(registry, 'tcp_read_bytes_total', labels) >= 5 * 1024 * 1024 + payload.length,
        what,
      );
      assert.ok(
        total(registry, 'tcp_write_bytes_total', labels) >= 5 * 1024 * 1024 + payload.length,
        what,
      );
    }
    assert.equal(
      total(callerRegistry, 'tcp_close_total', {
        direction: 'outbound',
        peer: 'dst',
        server_id: echoService.identity,
        classification: 'success',
      }) > 0,
      true,
    );
  });
});

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}
