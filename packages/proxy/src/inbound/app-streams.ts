/**
 * What the two app clients (HTTP/1.1 and h2c) share: the endpoint they dial, how a request body
 * is streamed to the app, how a response's trailers are awaited, and the connect timeout.
 */
import net, { type Socket } from 'node:net';
import type { Readable } from 'node:stream';
import { asProxyError, ProxyError } from '../errors/proxy-error.ts';
import type { HeaderList } from '../http/headers.ts';
import type { HttpHandler } from '../http/message.ts';

/** Where the app listens and how to reach it. */
export interface AppEndpoint {
  readonly host: string;
  readonly port: number;
  /** How long a new connection to the app may take before the request fails (504). */
  readonly connectTimeoutMs: number;
  /** Told about each connection to the app (transport metrics); may see a pooled one again. */
  readonly onConnection?: (socket: Socket) => void;
}

/** A handler that talks to the app, and the pool behind it. */
export interface AppClient {
  readonly handler: HttpHandler;
  /** Closes pooled connections; requests in flight fail. */
  close(): void;
}

/**
 * A response's trailers promise: resolves with what `read` returns once the body has ended, and
 * rejects with `onReset()` when the stream closes before its end. Marked handled, because a
 * response nobody classifies must not crash the process with an unhandled rejection.
 */
export function trailersWhenEnded(
  body: Readable,
  read: () => HeaderList | undefined,
  onReset: () => Error,
): Promise<HeaderList | undefined> {
  const trailers = new Promise<HeaderList | undefined>((resolve, reject) => {
    body.once('end', () => resolve(read()));
    body.once('close', () => {
      if (!body.readableEnded) reject(onReset());
    });
  });
  trailers.catch(() => {});
  return trailers;
}

/** A connection being set up: a socket, or an HTTP/2 session (which has no socket events). */
export interface Connecting {
  readonly connecting: boolean;
  once(event: 'connect' | 'close', listener: () => void): unknown;
}

/**
 * Fails a connection that is not up within the endpoint's connect timeout with CONNECT_TIMEOUT
 * (Linkerd's inbound connect timeout: the app is on loopback, so a slow connect means it is
 * stuck, and the caller is better served by a prompt 504 than by waiting).
 */
export function guardConnect(
  connection: Connecting,
  endpoint: AppEndpoint,
  fail: (error: ProxyError) => void,
): void {
  if (!connection.connecting) return;
  const timer = setTimeout(() => {
    const where = `${endpoint.host}:${endpoint.port}`;
    fail(
      new ProxyError(
        'CONNECT_TIMEOUT',
        `no connection to the app at ${where} within ${endpoint.connectTimeoutMs} ms`,
      ),
    );
  }, endpoint.connectTimeoutMs);
  const clear = () => clearTimeout(timer);
  connection.once('connect', clear);
  connection.once('close', clear);
}

/** Trailers, or undefined when the message ended without any. */
export function nonEmpty(headers: HeaderList): HeaderList | undefined {
  return headers.size === 0 ? undefined : headers;
}

/** A loopback connection to the app, up; refused or timed out as a ProxyError. */
export function connectToApp(app: AppEndpoint): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: app.host, port: app.port, noDelay: true });
    app.onConnection?.(socket);
    const fail = (error: Error) => {
      socket.destroy();
      reject(asProxyError(error));
    };
    guardConnect(socket, app, fail);
    socket.once('error', fail);
    socket.once('connect', () => {
      socket.off('error', fail);
      resolve(socket);
    });
  });
}
