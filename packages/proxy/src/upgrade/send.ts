/**
 * Sends an upgrade request as HTTP/1.1 over a connection of its own and hands back the answer:
 * a 101 with the switched connection (`upgraded`), or a refusal — any other response, its body
 * streamed — after which the connection is closed, since it served that one exchange. Both
 * sides use it: the outbound proxy towards the peer proxy over mesh TLS, the inbound proxy
 * towards its app over loopback.
 */
import http from 'node:http';
import type { Duplex } from 'node:stream';
import { asProxyError, ProxyError } from '../errors/proxy-error.ts';
import { Body } from '../http/body.ts';
import { forwardableHeaders, type ProxyRequest, type ProxyResponse } from '../http/message.ts';
import { trailersWhenEnded } from '../inbound/app-streams.ts';

const NO_TRAILERS = Promise.resolve(undefined);

/** `request` (which has `upgrade` set) on `connection`; rejects with a ProxyError before any answer. */
export function sendUpgrade(request: ProxyRequest, connection: Duplex): Promise<ProxyResponse> {
  return new Promise((resolve, reject) => {
    const upstream = http.request({
      // No agent: the connection is this request's alone, and never pooled.
      createConnection: () => connection,
      method: request.method,
      path: request.path,
      headers: {
        ...request.headers.toRecord(),
        host: request.authority,
        connection: 'upgrade',
        upgrade: request.upgrade,
      },
    });
    upstream.once('upgrade', (response, socket, head) => {
      // Bytes of the new protocol that came in with the 101: first in line for the caller.
      if (head.length > 0) socket.unshift(head);
      resolve({
        status: 101,
        headers: forwardableHeaders(response.headers),
        body: null,
        trailers: NO_TRAILERS,
        upgraded: { protocol: String(response.headers.upgrade ?? request.upgrade), socket },
      });
    });
    upstream.once('response', (response) => {
      response.once('close', () => connection.destroy());
      resolve({
        status: response.statusCode ?? 502,
        headers: forwardableHeaders(response.headers),
        body: Body.fromReadable(response),
        trailers: trailersWhenEnded(
          response,
          () => undefined,
          () => new ProxyError('RESET', 'the connection closed before the refusal ended'),
        ),
      });
    });
    // Once answered, a failure is the tunnel's or the body's to report.
    upstream.on('error', (error) => reject(beforeAnswer(error)));
    upstream.end();
  });
}

/**
 * A failure before any answer. Over mesh TLS 1.3 a peer that refuses our certificate says so
 * with an alert on our first read, which is here: that is the handshake failing.
 */
function beforeAnswer(error: NodeJS.ErrnoException): ProxyError {
  if (error.code?.startsWith('ERR_SSL_')) {
    return new ProxyError('TLS_HANDSHAKE', error.message, { cause: error });
  }
  return asProxyError(error);
}
