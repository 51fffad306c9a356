/**
 * Talks HTTP/1.1 to the app through one keep-alive pool, so a request costs no connection set-up
 * (Linkerd keeps its inbound connections to the app open the same way). The body streams both
 * ways; HTTP/1.1 trailers, rare as they are, are passed on when the app sends them.
 */
import http from 'node:http';
import { asProxyError, ProxyError } from '../errors/proxy-error.ts';
import type { HeaderMap, ProxyRequest, ProxyResponse } from '../http/message.ts';
import { forwardableHeaders } from '../http/message.ts';
import type { AppClient, AppEndpoint } from './app-streams.ts';
import { guardConnect, nonEmpty, sendBody, trailersWhenEnded } from './app-streams.ts';

/** Idle pooled connections close after this (Node's own global agent's figure); a server's
 * `Keep-Alive: timeout=…` hint shortens it, so we let go of a connection before the app does. */
const IDLE_TIMEOUT_MS = 5_000;
/** Bounds the connections to one app so a burst cannot exhaust file descriptors; more queue. */
const MAX_SOCKETS = 1_024;
/** Requests that may be sent again when a pooled connection turns out to be dead (RFC 9110). */
const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE', 'PUT', 'DELETE']);

export function newHttp1App(endpoint: AppEndpoint): AppClient {
  // LIFO reuses the warmest connection and lets the rest idle out, keeping the pool small.
  const agent = new http.Agent({
    keepAlive: true,
    scheduling: 'lifo',
    timeout: IDLE_TIMEOUT_MS,
    maxSockets: MAX_SOCKETS,
  });
  const send = (request: ProxyRequest, mayRetry: boolean): Promise<ProxyResponse> =>
    new Promise((resolve, reject) => {
      const upstream = http.request({
        agent,
        host: endpoint.host,
        port: endpoint.port,
        method: request.method,
        path: request.path,
        headers: { ...request.headers, host: request.authority },
      });
      let responded = false;
      upstream.once('socket', (socket) => {
        endpoint.onConnection?.(socket);
        guardConnect(socket, endpoint, (error) => upstream.destroy(error));
      });
      upstream.once('response', (response) => {
        responded = true;
        resolve(fromApp(response));
      });
      upstream.on('error', (error) => {
        // After the response has begun, a failure surfaces on its body instead.
        if (responded) return;
        // The app closed an idle pooled connection just as we reused it: the request never
        // reached it, so sending it again on a fresh connection is safe (hyper does the same).
        if (mayRetry && upstream.reusedSocket && request.body === null && isStale(error)) {
          if (IDEMPOTENT.has(request.method)) return resolve(send(request, false));
        }
        reject(asProxyError(error));
      });
      if (request.body) sendBody(request.body, upstream);
      else upstream.end();
    });
  return {
    handler: (request) => send(request, true),
    close: () => agent.destroy(),
  };
}

function fromApp(response: http.IncomingMessage): ProxyResponse {
  return {
    status: response.statusCode ?? 502,
    headers: forwardableHeaders(response.headers),
    body: response,
    trailers: trailersWhenEnded(
      response,
      () => nonEmpty(response.trailers as HeaderMap),
      () => new ProxyError('RESET', 'the app closed the connection before the response ended'),
    ),
  };
}

function isStale(error: NodeJS.ErrnoException): boolean {
  return error.code === 'ECONNRESET' || error.code === 'EPIPE';
}
