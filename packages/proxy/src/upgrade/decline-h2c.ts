/**
 * `Upgrade: h2c` (what `curl --http2` sends to an http:// URL) is declined, as Linkerd declines
 * it: HTTP/2 switched to inside a tunnel would be opaque to the proxies, with no per-request
 * routing or metrics. A server may ignore an Upgrade offer (RFC 9110 §7.8), and the request is
 * still a whole HTTP/1.1 request. Node, though, has already let go of the socket, so the head is
 * written back without the upgrade headers and the socket handed to the server again.
 */
import http, { type IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';

/** Hop-by-hop fields of an h2c offer (RFC 7540 §3.2), dropped with it. */
const OFFER = new Set(['upgrade', 'http2-settings']);

export function isH2cOffer(req: IncomingMessage): boolean {
  return String(req.headers.upgrade).trim().toLowerCase() === 'h2c';
}

/** Whether `server` can parse a connection again (a plain HTTP server, not a TLS one). */
export function canDecline(server: unknown): server is http.Server {
  return server instanceof http.Server;
}

/** Gives `socket` back to `server` with the request as if it had never offered an upgrade. */
export function declineUpgrade(
  server: http.Server,
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
): void {
  let text = `${req.method} ${req.url} HTTP/${req.httpVersion}\r\n`;
  const raw = req.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i]!;
    let value = raw[i + 1]!;
    const lower = name.toLowerCase();
    if (OFFER.has(lower)) continue;
    if (lower === 'connection') {
      value = value
        .split(',')
        .map((token) => token.trim())
        .filter((token) => token !== '' && !OFFER.has(token.toLowerCase()))
        .join(', ');
      if (value === '') continue;
    }
    text += `${name}: ${value}\r\n`;
  }
  socket.unshift(Buffer.concat([Buffer.from(`${text}\r\n`, 'latin1'), head]));
  server.emit('connection', socket);
  // The HTTP/1 parser takes buffered bytes only through 'data', which needs the flow on.
  socket.resume();
}
