/**
 * The control plane's admin listener, plain HTTP on loopback, for the supervisor and
 * Prometheus: `/live` (the process answers), `/ready` (every component can serve; 503 names
 * the ones that cannot) and `/metrics`. Kept apart from the mesh ports so a probe never needs
 * mesh credentials and a scrape never competes with Certify traffic for a TLS handshake.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { PROMETHEUS_CONTENT_TYPE, type Registry } from '@fusion/telemetry';
import type { Readiness } from '../component.ts';
import { listenOn } from '../listen.ts';

export interface AdminServerOptions {
  readonly registry: Registry;
  readonly readiness: () => Readiness;
}

export interface AdminServer {
  listen(host: string, port: number): Promise<AddressInfo>;
  close(): Promise<void>;
}

export function createAdminServer(options: AdminServerOptions): AdminServer {
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0];
    const route = ROUTES[path ?? ''];
    if (!route) return send(res, 404, `no such path: ${path}\n`);
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('allow', 'GET, HEAD');
      return send(res, 405, `${req.method} not allowed\n`);
    }
    route(options, res);
  });
  // Probes come every few seconds; keeping their sockets open for minutes buys nothing.
  server.keepAliveTimeout = 5000;

  return {
    listen: (host, port) => listenOn(server, host, port),
    close: () =>
      new Promise((resolve) => {
        if (!server.listening) return resolve();
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
  };
}

type Route = (options: AdminServerOptions, res: http.ServerResponse) => void;

const ROUTES: Readonly<Record<string, Route>> = {
  '/live': (_options, res) => send(res, 200, 'live\n'),
  '/ready': (options, res) => {
    const state = options.readiness();
    if (state.ready) send(res, 200, 'ready\n');
    else send(res, 503, `not ready: ${state.reason}\n`);
  },
  '/metrics': (options, res) => send(res, 200, options.registry.expose(), PROMETHEUS_CONTENT_TYPE),
};

function send(
  res: http.ServerResponse,
  status: number,
  body: string,
  contentType = 'text/plain; charset=utf-8',
): void {
  res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}
