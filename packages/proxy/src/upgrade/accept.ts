/**
 * The listeners' one hook for HTTP/1.1 `Upgrade` requests (WebSocket). Node's HTTP servers hand
 * such a request over with its raw socket instead of a response; this makes it a ProxyRequest
 * for the same stack as every other request — so policy, l5d-client-id, balancing, metrics and
 * the rescue layer apply unchanged — and writes the stack's answer back on the socket.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { asProxyError, ProxyError } from '../errors/proxy-error.ts';
import { errorResponse } from '../errors/rescue.ts';
import type { HttpHandler, ProxyRequest } from '../http/message.ts';
import { type ConnectionFacts, toProxyRequest } from '../http/serve.ts';
import { canDecline, declineUpgrade, isH2cOffer } from './decline-h2c.ts';
import { refuse, tunnel } from './tunnel.ts';

const H2C_OVER_TLS = 'h2c is HTTP/2 without TLS: it cannot be offered on a TLS connection';

/** A Node server that emits `upgrade`: http.Server, or http2's secure server with HTTP/1.1. */
export interface UpgradingServer {
  on(
    event: 'upgrade',
    listener: (req: IncomingMessage, socket: Duplex, head: Buffer) => void,
  ): unknown;
}

/** Serves `server`'s upgrade requests through `handler`; `facts` as for serve(). */
export function acceptUpgrades(
  server: UpgradingServer,
  handler: HttpHandler,
  facts: (req: IncomingMessage) => ConnectionFacts,
): void {
  server.on('upgrade', (req, socket, head) => {
    // Node has let go of the socket: its errors are ours now.
    socket.on('error', () => socket.destroy());
    if (isH2cOffer(req)) {
      if (canDecline(server)) return declineUpgrade(server, req, socket, head);
      return refuse(socket, errorResponse(new ProxyError('BAD_REQUEST', H2C_OVER_TLS)));
    }
    // Bytes past the request head are the new protocol's: they wait for the tunnel.
    socket.pause();
    if (head.length > 0) socket.unshift(head);
    let request: ProxyRequest;
    try {
      request = upgradeRequest(req, facts(req));
    } catch (error) {
      refuse(socket, errorResponse(asProxyError(error)));
      return;
    }
    handler(request).then(
      (response) =>
        response.status === 101 && response.upgraded
          ? tunnel(socket, response, response.upgraded)
          : refuse(socket, response),
      // Handlers end in the rescue layer and should not throw; if one does, still answer.
      (error: Error) => refuse(socket, errorResponse(new ProxyError('UNEXPECTED', error.message))),
    );
  });
}

/**
 * The request, marked with the protocol it asks for. Node has stopped parsing at its head, so
 * a body would be raw bytes of unknown framing: none is sent, nor a length that would make the
 * upstream wait for one (a WebSocket handshake has no body).
 */
function upgradeRequest(req: IncomingMessage, facts: ConnectionFacts): ProxyRequest {
  const request = toProxyRequest(req, facts);
  const { 'content-length': _unsent, ...headers } = request.headers;
  return { ...request, headers, body: null, upgrade: String(req.headers.upgrade) };
}
