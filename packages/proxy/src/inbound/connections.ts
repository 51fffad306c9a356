/**
 * The inbound port's open connections, so that closing it drains rather than cuts: HTTP/2
 * sessions get GOAWAY and finish their streams, HTTP/1 connections close once their response in
 * flight is written, and connections that have not yet said what they speak are dropped.
 */
import type { Http2SecureServer, ServerHttp2Session } from 'node:http2';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import type { ServerRequest, ServerResponseLike } from '../http/serve.ts';

type RequestListener = (req: ServerRequest, res: ServerResponseLike) => void;

export class Connections {
  #draining = false;
  readonly #open = new Set<Socket>();
  /** Accepted sockets already handed to a protocol server (past protocol detection). */
  readonly #handedOff = new WeakSet<Socket>();
  readonly #sessions = new Set<ServerHttp2Session>();
  /** HTTP/1 connections and the responses each has in flight. */
  readonly #http1 = new Map<Duplex, number>();
  #drain: Promise<void> | undefined;
  #drained: (() => void) | undefined;

  /** A socket fresh from the listener. */
  accepted(socket: Socket): void {
    this.#open.add(socket);
    socket.once('close', () => {
      this.#open.delete(socket);
      if (this.#open.size === 0) this.#drained?.();
    });
  }

  /** `socket` now belongs to a protocol server; `http1` when that server is the plain one. */
  handedOff(socket: Socket, http1: boolean): void {
    this.#handedOff.add(socket);
    if (http1) this.#http1Opened(socket);
  }

  /** Follows the TLS server's HTTP/2 sessions and HTTP/1.1-over-TLS connections. */
  watch(server: Http2SecureServer): void {
    server.on('session', (session: ServerHttp2Session) => {
      if (this.#draining) session.close();
      this.#sessions.add(session);
      session.once('close', () => this.#sessions.delete(session));
    });
    server.on('secureConnection', (socket: TLSSocket) => {
      if (socket.alpnProtocol !== 'h2') this.#http1Opened(socket);
    });
  }

  /** Wraps a request listener to count HTTP/1 responses in flight per connection. */
  counting(listener: RequestListener): RequestListener {
    return (req, res) => {
      const socket = req.socket;
      const inFlight = this.#http1.get(socket);
      if (inFlight !== undefined) {
        this.#http1.set(socket, inFlight + 1);
        res.once('close', () => {
          const left = (this.#http1.get(socket) ?? 1) - 1;
          if (this.#http1.has(socket)) this.#http1.set(socket, left);
          if (this.#draining && left === 0) socket.destroy();
        });
      }
      listener(req, res);
    };
  }

  /** Drains every connection; resolves once all are closed. Calling it again waits as well. */
  drain(): Promise<void> {
    if (this.#drain) return this.#drain;
    this.#draining = true;
    this.#drain = new Promise<void>((resolve) => {
      this.#drained = resolve;
    });
    for (const session of this.#sessions) session.close();
    for (const [socket, inFlight] of this.#http1) if (inFlight === 0) socket.destroy();
    for (const socket of this.#open) if (!this.#handedOff.has(socket)) socket.destroy();
    if (this.#open.size === 0) this.#drained?.();
    return this.#drain;
  }

  #http1Opened(socket: Duplex): void {
    if (this.#draining) {
      socket.destroy();
      return;
    }
    this.#http1.set(socket, 0);
    socket.once('close', () => this.#http1.delete(socket));
  }
}
