/**
 * The sidecar's admin listener: plain HTTP, normally on loopback, apart from the mesh ports so a
 * probe or a scrape never needs mesh credentials nor competes with traffic for a handshake.
 * Dispatch only: the routes themselves are in routes.ts.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { registerProcessMetrics } from '@fusion/telemetry';
import type { HostPort } from '../env/index.ts';
import { isLoopback, send } from './respond.ts';
import { type AdminRouteOptions, adminRoutes, type Method, type Route } from './routes.ts';

export interface AdminOptions extends AdminRouteOptions {
  readonly listen: HostPort;
}

export interface AdminServer {
  readonly address: AddressInfo;
  /** Stops listening and waits for requests in progress; idle connections close at once. */
  close(): Promise<void>;
}

/** One of the families registerProcessMetrics adds: present means someone already registered them. */
const PROCESS_FAMILY = 'process_cpu_seconds_total';

export async function startAdmin(options: AdminOptions): Promise<AdminServer> {
  const routes = adminRoutes(options);
  const log = options.logger.component('admin');
  // /metrics includes process figures; register them unless the caller already did.
  const processMetrics = options.registry.get(PROCESS_FAMILY)
    ? undefined
    : registerProcessMetrics(options.registry);

  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    const route = routes.get(path);
    if (!route) return send(res, 404, `not found: ${path}\n`);
    const handler = handlerFor(route, req.method);
    if (!handler) {
      return send(res, 405, `${req.method} not allowed\n`, undefined, { allow: allowed(route) });
    }
    if (route.localOnly && !isLoopback(req.socket.remoteAddress)) {
      return send(res, 403, 'Requests are only permitted from localhost.\n');
    }
    Promise.resolve()
      .then(() => handler(req, res))
      .catch((error: unknown) => {
        log.error({ err: error, path }, 'admin request failed');
        if (!res.headersSent) send(res, 500, `${(error as Error).message}\n`);
        else res.destroy();
      });
  });
  // Probes come every few seconds; keeping their sockets open for minutes buys nothing.
  server.keepAliveTimeout = 5_000;

  const address = await new Promise<AddressInfo>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.listen.port, options.listen.host, () => {
      server.off('error', reject);
      resolve(server.address() as AddressInfo);
    });
  }).catch((error: unknown) => {
    processMetrics?.stop();
    throw error;
  });

  return {
    address,
    close: () =>
      new Promise<void>((resolve) => {
        processMetrics?.stop();
        if (!server.listening) return resolve();
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
  };
}

function handlerFor(route: Route, method: string | undefined) {
  const effective = method === 'HEAD' ? 'GET' : method;
  return Object.hasOwn(route.methods, effective ?? '')
    ? route.methods[effective as Method]
    : undefined;
}

function allowed(route: Route): string {
  const methods = Object.keys(route.methods);
  if (methods.includes('GET')) methods.push('HEAD');
  return methods.join(', ');
}
