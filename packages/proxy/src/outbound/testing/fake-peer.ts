/**
 * A stand-in for a peer proxy's inbound side, speaking the wire contract: HTTP/2 over mutual
 * TLS 1.3, ALPN h2, presenting a mesh certificate for one identity and requiring the caller's.
 * It records what it receives (headers, body, the caller's certificate) and counts handshakes,
 * and answers by path: `/grpc/<status>` with gRPC trailers, `/stream` in two parts released
 * by the test, anything else with a JSON echo.
 */
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';

export interface Received {
  readonly headers: http2.IncomingHttpHeaders;
  readonly body: string;
  /** The caller's certificate SANs, as Node prints them. */
  readonly callerSan: string | undefined;
  readonly callerSerial: string | undefined;
}

export class FakePeer {
  readonly received: Received[] = [];
  /** Completed TLS handshakes. */
  secureConnections = 0;
  /** Handshakes that resumed an earlier TLS session (and so skipped the certificate checks). */
  resumedSessions = 0;
  /** Sessions that have closed. */
  closedSessions = 0;
  readonly #server: http2.Http2SecureServer;
  readonly #sessions = new Set<http2.ServerHttp2Session>();
  #port = 0;
  #release: () => void = () => {};
  #released: Promise<void> = Promise.resolve();

  constructor(credentials: { keyPem: string; certChainPem: string }, anchorsPem: string) {
    this.#server = http2.createSecureServer({
      key: credentials.keyPem,
      cert: credentials.certChainPem,
      ca: anchorsPem,
      requestCert: true,
      rejectUnauthorized: true,
      minVersion: 'TLSv1.3',
    });
    this.#server.on('secureConnection', (socket: TLSSocket) => {
      this.secureConnections += 1;
      if (socket.isSessionReused()) this.resumedSessions += 1;
    });
    this.#server.on('session', (session) => {
      this.#sessions.add(session);
      session.on('error', () => {});
      session.once('close', () => {
        this.#sessions.delete(session);
        this.closedSessions += 1;
      });
    });
    this.#server.on('stream', (stream, headers) => this.#answer(stream, headers));
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

  listen(): Promise<this> {
    return new Promise((resolve) =>
      this.#server.listen(0, '127.0.0.1', () => {
        this.#port = (this.#server.address() as AddressInfo).port;
        resolve(this);
      }),
    );
  }

  /** A crash: every session cut, the port closed. */
  stop(): Promise<void> {
    for (const session of this.#sessions) session.destroy();
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }

  close(): Promise<void> {
    for (const session of this.#sessions) session.close();
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }

  #answer(stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders): void {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('error', () => {});
    stream.once('end', async () => {
      const peer = (stream.session?.socket as TLSSocket | undefined)?.getPeerCertificate();
      const received: Received = {
        headers,
        body: Buffer.concat(chunks).toString(),
        callerSan: peer?.subjectaltname,
        callerSerial: peer?.serialNumber?.toLowerCase(),
      };
      this.received.push(received);
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
}

export function startFakePeer(
  credentials: { keyPem: string; certChainPem: string },
  anchorsPem: string,
): Promise<FakePeer> {
  return new FakePeer(credentials, anchorsPem).listen();
}
