/**
 * A stand-in for a peer proxy's inbound side, speaking the wire contract: mutual TLS 1.3,
 * presenting a mesh certificate for one identity and requiring the caller's, then HTTP/2 (ALPN
 * h2: gRPC, h2c apps, the endpoint's session) or HTTP/1.1 (ALPN http/1.1: an app's HTTP/1.1,
 * decision 0009). It records what it receives (the protocol, headers with HTTP/2's
 * pseudo-headers either way, body, the caller's certificate) and counts handshakes, and answers
 * by path: `/grpc/<status>` with gRPC trailers, `/stream` in two parts released by the test,
 * anything else with a JSON echo. Over HTTP/1.1 also: `/status/<code>` answers that status,
 * `/hold` answers only when released (counting how many wait at once), and `failNext` makes the
 * next requests fail, for the resilience tests.
 */
import http from 'node:http';
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import tls, { type TLSSocket } from 'node:tls';

export interface Received {
  /** The ALPN protocol it came by. */
  readonly protocol: 'h2' | 'http/1.1';
  readonly headers: http2.IncomingHttpHeaders;
  readonly body: string;
  /** The caller's certificate SANs, as Node prints them. */
  readonly callerSan: string | undefined;
  readonly callerSerial: string | undefined;
}

export class FakePeer {
  readonly received: Received[] = [];
  /** Completed TLS handshakes, both protocols. */
  secureConnections = 0;
  /** Of those, the HTTP/1.1 ones. */
  http1Connections = 0;
  /** Handshakes that resumed an earlier TLS session (and so skipped the certificate checks). */
  resumedSessions = 0;
  /** HTTP/2 sessions that have closed. */
  closedSessions = 0;
  /** HTTP/1.1 connections that have closed. */
  closedHttp1Connections = 0;
  /** HTTP/1.1 `/hold` requests waiting now, and the most that ever waited at once. */
  holding = 0;
  maxHolding = 0;
  /** How the next HTTP/1.1 requests fail, one entry each: a status, or `reset` (no answer). */
  readonly #failures: (number | 'reset')[] = [];
  /** Every `#failEvery`-th HTTP/1.1 request fails with `#failEveryStatus` (0: none do). */
  #failEvery = 0;
  #failEveryStatus = 503;
  #http1Requests = 0;
  #releaseHeld: () => void = () => {};
  #held: Promise<void> = this.#holdAgain();
  readonly #server: tls.Server;
  readonly #sessions = new Set<http2.ServerHttp2Session>();
  readonly #http1Sockets = new Set<TLSSocket>();
  #port = 0;
  #release: () => void = () => {};
  #released: Promise<void> = Promise.resolve();

  constructor(credentials: { keyPem: string; certChainPem: string }, anchorsPem: string) {
    // A TLS server that hands each connection to the protocol ALPN chose, as our inbound does.
    this.#server = tls.createServer({
      key: credentials.keyPem,
      cert: credentials.certChainPem,
      ca: anchorsPem,
      requestCert: true,
      rejectUnauthorized: true,
      minVersion: 'TLSv1.3',
      ALPNProtocols: ['h2', 'http/1.1'],
    });
    const h2 = http2.createServer();
    const h1 = http.createServer((request, response) => this.#answerHttp1(request, response));
    this.#server.on('secureConnection', (socket: TLSSocket) => {
      this.secureConnections += 1;
      if (socket.isSessionReused()) this.resumedSessions += 1;
      if (socket.alpnProtocol === 'h2') {
        h2.emit('connection', socket);
        return;
      }
      this.http1Connections += 1;
      this.#http1Sockets.add(socket);
      socket.once('close', () => {
        this.#http1Sockets.delete(socket);
        this.closedHttp1Connections += 1;
      });
      h1.emit('connection', socket);
    });
    h2.on('session', (session) => {
      this.#sessions.add(session);
      session.on('error', () => {});
      session.once('close', () => {
        this.#sessions.delete(session);
        this.closedSessions += 1;
      });
    });
    h2.on('stream', (stream, headers) => this.#answer(stream, headers));
  }

  /** Kept after stop(), so that a dead peer can still be recognised. */
  get port(): number {
    return this.#port;
  }

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  /** Until `release()`, `/stream` holds its second part back. */
  holdStreams(): void {
    this.#released = new Promise((resolve) => {
      this.#release = resolve;
    });
  }

  release(): void {
    this.#release();
  }

  /** The next `count` HTTP/1.1 requests fail with `how` (a status, or reset with no answer). */
  failNext(count: number, how: number | 'reset'): void {
    for (let i = 0; i < count; i++) this.#failures.push(how);
  }

  /** From now on every `nth` HTTP/1.1 request answers `status` (1: all of them; 0: none). */
  failEvery(nth: number, status = 503): void {
    this.#failEvery = nth;
    this.#failEveryStatus = status;
  }

  /** Answers every `/hold` request waiting; later ones wait for the next release. */
  releaseHeld(): void {
    this.#releaseHeld();
    this.#held = this.#holdAgain();
  }

  #holdAgain(): Promise<void> {
    return new Promise((resolve) => {
      this.#releaseHeld = resolve;
    });
  }

  listen(): Promise<this> {
    return new Promise((resolve) =>
      this.#server.listen(0, '127.0.0.1', () => {
        this.#port = (this.#server.address() as AddressInfo).port;
        resolve(this);
      }),
    );
  }

  /** A crash: every session and connection cut, the port closed. */
  stop(): Promise<void> {
    for (const session of this.#sessions) session.destroy();
    for (const socket of this.#http1Sockets) socket.destroy();
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }

  close(): Promise<void> {
    for (const session of this.#sessions) session.close();
    // Kept-alive HTTP/1.1 connections would hold the server open; a test peer need not drain.
    for (const socket of this.#http1Sockets) socket.destroy();
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }

  #answer(stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders): void {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('error', () => {});
    stream.once('end', async () => {
      const socket = stream.session?.socket as TLSSocket | undefined;
      const received = this.#record('h2', headers, chunks, socket);
      const path = String(headers[':path']);
      if (stream.destroyed) return;
      if (path.startsWith('/grpc/')) {
        stream.respond(
          { ':status': 200, 'content-type': 'application/grpc' },
          { waitForTrailers: true },
        );
        stream.once('wantTrailers', () => stream.sendTrailers({ 'grpc-status': path.slice(6) }));
        stream.end(Buffer.from([0, 0, 0, 0, 0]));
      } else if (path === '/stream') {
        stream.respond({ ':status': 200, 'content-type': 'text/plain' });
        stream.write('first;');
        await this.#released;
        if (!stream.destroyed) stream.end('second');
      } else {
        stream.respond({
          ':status': 200,
          'content-type': 'application/json',
          'x-peer': this.address,
        });
        stream.end(JSON.stringify({ path, authority: headers[':authority'], body: received.body }));
      }
    });
  }

  #record(
    protocol: Received['protocol'],
    headers: http2.IncomingHttpHeaders,
    chunks: Buffer[],
    socket: TLSSocket | undefined,
  ): Received {
    const caller = socket?.getPeerCertificate();
    const received: Received = {
      protocol,
      headers,
      body: Buffer.concat(chunks).toString(),
      callerSan: caller?.subjectaltname,
      callerSerial: caller?.serialNumber?.toLowerCase(),
    };
    this.received.push(received);
    return received;
  }

  /** The same answers over HTTP/1.1, the way our inbound serves an app's HTTP/1.1. */
  #answerHttp1(req: http.IncomingMessage, res: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.once('end', async () => {
      const path = String(req.url);
      const headers: http2.IncomingHttpHeaders = {
        ':method': req.method,
        ':path': path,
        ':authority': req.headers.host,
        ...req.headers,
      };
      const received = this.#record('http/1.1', headers, chunks, req.socket as TLSSocket);
      this.#http1Requests += 1;
      const every = this.#failEvery > 0 && this.#http1Requests % this.#failEvery === 0;
      const failure = this.#failures.shift() ?? (every ? this.#failEveryStatus : undefined);
      if (failure === 'reset') {
        req.socket.destroy();
        return;
      }
      if (failure !== undefined || path.startsWith('/status/')) {
        res.writeHead(failure ?? Number(path.slice(8)), { 'content-length': '0' }).end();
        return;
      }
      if (path === '/hold') {
        this.holding += 1;
        this.maxHolding = Math.max(this.maxHolding, this.holding);
        await this.#held;
        this.holding -= 1;
        if (!res.destroyed) res.writeHead(200, { 'content-length': '4' }).end('held');
        return;
      }
      if (path === '/stream') {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.write('first;');
        await this.#released;
        if (!res.destroyed) res.end('second');
      } else {
        res.writeHead(200, { 'content-type': 'application/json', 'x-peer': this.address });
        res.end(JSON.stringify({ path, authority: req.headers.host, body: received.body }));
      }
    });
  }
}

export function startFakePeer(
  credentials: { keyPem: string; certChainPem: string },
  anchorsPem: string,
): Promise<FakePeer> {
  return new FakePeer(credentials, anchorsPem).listen();
}
