/**
 * Talks HTTP/1.1 to the app through one keep-alive pool, so a request costs no connection set-up
 * (Linkerd keeps its inbound connections to the app open the same way). The pool is undici's:
 * in the pair benchmark it cost the server-side proxy less CPU per request than node:http's
 * Agent (docs/performance.md, "Optimisations (2026-12-01)"). The body streams both ways;
 * HTTP/1.1 trailers, rare as they are, are passed on when the app sends them.
 */
import type { Socket } from 'node:net';
import type { Dispatcher } from 'undici';
import { buildConnector, Pool } from 'undici';
import { asProxyError, ProxyError } from '../errors/proxy-error.ts';
import type { HeaderMap, ProxyRequest, ProxyResponse } from '../http/message.ts';
import { forwardableHeaders } from '../http/message.ts';
import type { AppClient, AppEndpoint } from './app-streams.ts';
import { nonEmpty, trailersWhenEnded } from './app-streams.ts';

/** Idle pooled connections close after this (Node's own global agent's figure); a server's
 * `Keep-Alive: timeout=…` hint shortens it, so we let go of a connection before the app does. */
const IDLE_TIMEOUT_MS = 5_000;
/** Bounds the connections to one app so a burst cannot exhaust file descriptors; more queue. */
const MAX_SOCKETS = 1_024;
/** Requests that may be sent again when a pooled connection turns out to be dead (RFC 9110). */
const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE', 'PUT', 'DELETE']);
/** Errors that mean the connection died before the app answered. */
const DEAD_CONNECTION = new Set(['UND_ERR_SOCKET', 'ECONNRESET', 'EPIPE']);

export function newHttp1App(endpoint: AppEndpoint): AppClient {
  const where = `${endpoint.host}:${endpoint.port}`;
  const connector = buildConnector({ timeout: endpoint.connectTimeoutMs });
  const { onConnection } = endpoint;
  const pool = new Pool(
    `http://${endpoint.host.includes(':') ? `[${endpoint.host}]` : endpoint.host}:${endpoint.port}`,
    {
      connections: MAX_SOCKETS,
      pipelining: 1,
      keepAliveTimeout: IDLE_TIMEOUT_MS,
      // A proxy streams: how long an app takes to answer, or to send its body, is its business.
      headersTimeout: 0,
      bodyTimeout: 0,
      connect: (options, callback) =>
        connector(options, (error, socket) => {
          if (!error && onConnection) onConnection(socket as Socket);
          (callback as (e: Error | null, s: unknown) => void)(error, socket);
        }),
    },
  );

  const failure = (error: unknown): ProxyError => {
    const code = (error as { code?: string }).code;
    if (code === 'UND_ERR_CONNECT_TIMEOUT') {
      return new ProxyError(
        'CONNECT_TIMEOUT',
        `no connection to the app at ${where} within ${endpoint.connectTimeoutMs} ms`,
        { cause: error },
      );
    }
    if (code !== undefined && DEAD_CONNECTION.has(code)) {
      return new ProxyError('RESET', (error as Error).message, { cause: error });
    }
    return asProxyError(error);
  };

  const send = async (request: ProxyRequest, mayRetry: boolean): Promise<ProxyResponse> => {
    let response: Dispatcher.ResponseData;
    try {
      response = await pool.request({
        method: request.method as Dispatcher.HttpMethod,
        path: request.path,
        headers: headersFor(request),
        body: request.body,
      });
    } catch (error) {
      // The app closed an idle pooled connection just as we reused it: the request never
      // reached it, so sending it again on a fresh connection is safe (hyper does the same).
      const code = (error as { code?: string }).code;
      if (mayRetry && request.body === null && IDEMPOTENT.has(request.method)) {
        if (code !== undefined && DEAD_CONNECTION.has(code)) return send(request, false);
      }
      throw failure(error);
    }
    return fromApp(response);
  };
  return {
    handler: (request) => send(request, true),
    close: () => void pool.destroy().catch(() => {}),
  };
}

/** The request's headers, with the authority as Host; `expect` is the server's to answer. */
function headersFor(request: ProxyRequest): HeaderMap {
  const headers: HeaderMap = { host: request.authority };
  const from = request.headers;
  for (const name in from) {
    if (name !== 'expect') headers[name] = from[name] as string | string[];
  }
  return headers;
}

function fromApp(response: Dispatcher.ResponseData): ProxyResponse {
  const body = response.body;
  return {
    status: response.statusCode,
    headers: forwardableHeaders(response.headers),
    body,
    trailers: trailersWhenEnded(
      body,
      () => nonEmpty(response.trailers as HeaderMap),
      () => new ProxyError('RESET', 'the app closed the connection before the response ended'),
    ),
  };
}
