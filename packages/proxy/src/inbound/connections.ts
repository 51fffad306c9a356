/**
 * The inbound port's open connections, so that closing it drains rather than cuts: HTTP/2
 * sessions get GOAWAY and finish their streams, HTTP/1.1 connections close once their responses
 * in flight are written, and connections that have not yet said what they speak are dropped.
 */
import type { Http2Server, ServerHttp2Session } from 'node:http2';
import type { Socket } from 'node:net';
import type { H1Connection } from '../h1/index.ts';

export class Connections {
  #draining = false;
  readonly #open = new Set<Socket>();
  /** Accepted sockets already handed to a protocol server (past protocol detection). */
  readonly #handedOff = new WeakSet<Socket>();
  readonly #sessions = new Set<ServerHttp2Session>();
  readonly #engine = new Set<H1Connection>();
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

  /** `socket` now belongs to a protocol server: it drains through that server. */
  handedOff(socket: Socket): void {
    this.#handedOff.add(socket);
  }

  /** Follows the HTTP/2 server's sessions, to GOAWAY them when draining. */
  watch(server: Http2Server): void {
    server.on('session', (session: ServerHttp2Session) => {
      if (this.#draining) session.close();
      this.#sessions.add(session);
      session.once('close', () => this.#sessions.delete(session));
    });
  }

  /** A connection our own HTTP/1.1 engine serves (plain or TLS): drained through it. */
  servedH1(socket: Socket, connection: H1Connection): void {
    if (this.#draining) {
      connection.drain();
      return;
    }
    this.#engine.add(connection);
    socket.once('close', () => this.#engine.delete(connection));
  }

  /** Drains every connection; resolves once all are closed. Calling it again waits as well. */
  drain(): Promise<void> {
    if (this.#drain) return this.#drain;
    this.#draining = true;
    this.#drain = new Promise<void>((resolve) => {
      this.#drained = resolve;
    });
    for (const session of this.#sessions) session.close();
    for (const connection of this.#engine) connection.drain();
    for (const socket of this.#open) if (!this.#handedOff.has(socket)) socket.destroy();
    if (this.#open.size === 0) this.#drained?.();
    return this.#drain;
  }
}
