/**
 * Closing an HTTP/2 server the way clients can live with: stop accepting, send GOAWAY on every
 * session (in-flight streams finish, clients reconnect elsewhere), and cut whatever is still
 * open after a grace period so close() always ends.
 */
import type http2 from 'node:http2';
import type { Socket } from 'node:net';

export type CloseGracefully = (graceMs: number) => Promise<void>;

/** Starts tracking `server`'s connections now; the returned function closes it. */
export function gracefulClose(server: http2.Http2SecureServer): CloseGracefully {
  const sockets = new Set<Socket>();
  const sessions = new Set<http2.ServerHttp2Session>();
  server.on('secureConnection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  server.on('session', (session) => {
    sessions.add(session);
    session.once('close', () => sessions.delete(session));
  });
  return (graceMs) =>
    new Promise<void>((resolve) => {
      if (!server.listening) return resolve();
      server.close(() => resolve());
      for (const session of sessions) session.close();
      const cut = setTimeout(() => {
        for (const socket of sockets) socket.destroy();
      }, graceMs);
      cut.unref();
    });
}
