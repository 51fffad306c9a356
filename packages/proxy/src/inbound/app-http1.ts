/**
 * Talks HTTP/1.1 to the app through one keep-alive pool of our own engine's connections (h1/),
 * so a request costs no connection set-up (Linkerd keeps its inbound connections to the app
 * open the same way) and no node:http or undici machinery. The body streams both ways;
 * HTTP/1.1 trailers, rare as they are, are passed on when the app sends them.
 */
import { H1Pool } from '../h1/index.ts';
import { type AppClient, type AppEndpoint, connectToApp } from './app-streams.ts';

/** Idle pooled connections close after this: well before a Node app's own 5 s keep-alive. */
const IDLE_TIMEOUT_MS = 4_000;
/** Bounds the connections to one app so a burst cannot exhaust file descriptors; more queue. */
const MAX_SOCKETS = 1_024;

export function newHttp1App(endpoint: AppEndpoint): AppClient {
  const { host, port } = endpoint;
  const pool = new H1Pool({
    open: () => connectToApp(endpoint),
    maxConnections: MAX_SOCKETS,
    idleTimeoutMs: IDLE_TIMEOUT_MS,
    describe: `the app at ${host.includes(':') ? `[${host}]` : host}:${port}`,
  });
  return {
    handler: (request) => pool.request(request),
    close: () => pool.close(),
  };
}
