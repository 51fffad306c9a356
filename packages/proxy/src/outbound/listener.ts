/**
 * The outbound listener: cleartext, on loopback, for this proxy's own app only. It speaks
 * HTTP/1.1 (Host-addressed, or absolute-form as an HTTP proxy) through our own engine (h1/),
 * and HTTP/2 with prior knowledge (h2c, what gRPC clients send) through node:http2, on the same
 * port: each connection's first bytes are read to see whether they open with the HTTP/2
 * preface, then the socket goes to the matching server.
 */
import http2 from 'node:http2';
import net, { type AddressInfo, type Socket } from 'node:net';
import { type H1Connection, type H1ServerOptions, serveH1 } from '../h1/index.ts';
import type { HttpHandler } from '../http/message.ts';
import { type ConnectionFacts, serve } from '../http/serve.ts';
import { loopbackLabels, type TcpMetrics } from '../metrics/tcp-metrics.ts';

const H2_PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');
/** Linkerd's protocol-detection timeout. */
const DETECT_TIMEOUT_MS = 10_000;
/** The app's own traffic, over loopback: no mesh TLS and no peer identity. */
const APP_FACTS: ConnectionFacts = { clientId: undefined, tls: false };
const FROM_APP = loopbackLabels('outbound', 'src');

export interface Listener {
  readonly address: AddressInfo;
  /** Stops accepting; in-flight requests get `graceMs` to finish before sockets are cut. */
  close(graceMs?: number): Promise<void>;
}

export async function listen(
  handler: HttpHandler,
  at: { readonly host: string; readonly port: number },
  transport?: TcpMetrics,
  http1?: H1ServerOptions,
): Promise<Listener> {
  const onRequest = serve(handler, () => APP_FACTS);
  const h1Connections = new Set<H1Connection>();
  // Upgrade requests (WebSocket) go through the same handler, then are piped (upgrade/).
  const h1 = (socket: Socket) => {
    const connection = serveH1(socket, handler, APP_FACTS, http1);
    h1Connections.add(connection);
    socket.once('close', () => h1Connections.delete(connection));
  };
  const h2 = http2.createServer(onRequest);
  const sessions = new Set<http2.ServerHttp2Session>();
  h2.on('session', (session) => {
    sessions.add(session);
    session.once('close', () => sessions.delete(session));
  });
  const sockets = new Set<Socket>();
  // Small writes (headers, gRPC frames) must not wait on Nagle for the peer's delayed ACK.
  const server = net.createServer({ noDelay: true }, (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    transport?.trackConnection(socket, FROM_APP);
    detect(socket, h1, h2);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(at.port, at.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    address: server.address() as AddressInfo,
    close: async (graceMs = 5_000) => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const session of sessions) session.close();
      // Idle HTTP/1 connections close at once, busy ones after the responses in flight.
      for (const connection of h1Connections) connection.drain();
      const cut = setTimeout(() => {
        for (const socket of sockets) socket.destroy();
      }, graceMs);
      await closed;
      clearTimeout(cut);
    },
  };
}

function detect(socket: Socket, h1: (socket: Socket) => void, h2: http2.Http2Server): void {
  let seen: Buffer = Buffer.alloc(0);
  const onData = (chunk: Buffer) => {
    seen = seen.length === 0 ? chunk : Buffer.concat([seen, chunk]);
    const n = Math.min(seen.length, H2_PREFACE.length);
    const h2Like = seen.subarray(0, n).equals(H2_PREFACE.subarray(0, n));
    if (h2Like && seen.length < H2_PREFACE.length) return; // could still be either
    socket.off('data', onData).off('error', onError).off('timeout', onTimeout).setTimeout(0);
    socket.pause();
    socket.unshift(seen);
    if (h2Like) {
      // The session reads what is already buffered on the socket before its own reads.
      h2.emit('connection', socket);
    } else {
      h1(socket);
      // The engine reads through 'data', which needs the flow on (the unshifted bytes first).
      socket.resume();
    }
  };
  const onError = () => socket.destroy();
  const onTimeout = () => socket.destroy();
  socket.on('data', onData).on('error', onError).on('timeout', onTimeout);
  socket.setTimeout(DETECT_TIMEOUT_MS);
}
