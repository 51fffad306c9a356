/**
 * The admin routes, Linkerd's (linkerd2-proxy `app/admin/src/server.rs`) plus `/config`:
 *
 *   GET  /live             200 `live`: the process answers
 *   GET  /ready            200 `ready`, or 503 with the reason
 *   GET  /metrics          Prometheus text, process metrics included
 *   GET  /proxy-log-level  the filter in force          (loopback callers only)
 *   PUT  /proxy-log-level  a new filter, applied at once (loopback callers only)
 *   POST /shutdown         begin a graceful shutdown, when enabled; else 404 (loopback only)
 *   POST /deregister       ours: leave discovery but keep serving, before the app stops
 *                          (the supervisor's pre-stop step)                 (loopback only)
 *   GET  /config           the policy and endpoints the proxy holds now, as JSON
 *   GET  /env.json         the proxy's own variables, when given     (loopback callers only)
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { PROMETHEUS_CONTENT_TYPE, type Registry } from '@fusion/telemetry';
import { PROXY_ENV_PREFIXES } from '../env/index.ts';
import { LogFilterError, type ProxyLogger } from '../logging/index.ts';
import { BodyTooLarge, readBody, send, sendChunks, sendJson } from './respond.ts';

export interface Readiness {
  readonly ready: boolean;
  readonly reason?: string;
}

export interface AdminRouteOptions {
  readonly registry: Registry;
  readonly logger: ProxyLogger;
  readonly readiness: () => Readiness;
  readonly config: () => unknown;
  readonly shutdown?: { readonly enabled: boolean; readonly trigger: () => void };
  /** Leaves the destination registry; present when the proxy registered with one. */
  readonly deregister?: () => Promise<boolean>;
  /** Serves `/env.json` from these variables when given. */
  readonly env?: NodeJS.ProcessEnv;
}

export type Method = 'GET' | 'PUT' | 'POST';
type Handler = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

export interface Route {
  /** HEAD is served wherever GET is. */
  readonly methods: Partial<Record<Method, Handler>>;
  /** Answered only to callers on this host's loopback, as Linkerd does. */
  readonly localOnly?: boolean;
}

/** A filter is a line of text; anything much longer is a mistake, not a filter. */
const MAX_FILTER_BYTES = 4096;

export function adminRoutes(options: AdminRouteOptions): ReadonlyMap<string, Route> {
  const log = options.logger.component('admin');
  const routes = new Map<string, Route>([
    ['/live', { methods: { GET: (_req, res) => send(res, 200, 'live\n') } }],
    [
      '/ready',
      {
        methods: {
          GET: (_req, res) => {
            const state = options.readiness();
            if (state.ready) send(res, 200, 'ready\n');
            else send(res, 503, `not ready: ${state.reason ?? 'starting'}\n`);
          },
        },
      },
    ],
    [
      '/metrics',
      {
        methods: {
          // Every value read in one pass; the text written a chunk per turn (DESIGN §6).
          GET: (_req, res) =>
            sendChunks(res, 200, options.registry.exposeChunks(), PROMETHEUS_CONTENT_TYPE),
        },
      },
    ],
    [
      '/proxy-log-level',
      {
        localOnly: true,
        methods: {
          GET: (_req, res) => send(res, 200, `${options.logger.level()}\n`),
          PUT: async (req, res) => {
            let text: string;
            try {
              text = await readBody(req, MAX_FILTER_BYTES);
            } catch (error) {
              if (!(error instanceof BodyTooLarge)) throw error;
              return send(res, 413, `${error.message}\n`);
            }
            const before = options.logger.level();
            try {
              options.logger.setLevel(text);
            } catch (error) {
              if (!(error instanceof LogFilterError)) throw error;
              return send(res, 400, `invalid log filter: ${error.message}\n`);
            }
            log.info({ from: before, to: options.logger.level() }, 'log filter changed');
            res.writeHead(204).end();
          },
        },
      },
    ],
    ['/config', { methods: { GET: (_req, res) => sendJson(res, options.config()) } }],
  ]);
  const shutdown = options.shutdown;
  // Disabled, the route does not exist at all: Linkerd answers 404, not 403 or 405.
  if (shutdown?.enabled) {
    routes.set('/shutdown', {
      localOnly: true,
      methods: {
        POST: (_req, res) => {
          log.info('shutdown requested through the admin server');
          // Trigger once the answer is out: shutdown closes this server last, but a caller
          // should learn it was heard before anything starts closing.
          res.once('close', () => shutdown.trigger());
          send(res, 202, 'shutdown\n');
        },
      },
    });
  }
  const deregister = options.deregister;
  if (deregister) {
    routes.set('/deregister', {
      localOnly: true,
      methods: {
        POST: async (_req, res) => {
          const removed = await deregister();
          log.info({ removed }, 'deregistered through the admin server; still serving');
          sendJson(res, { deregistered: true, removed });
        },
      },
    });
  }
  const env = options.env;
  if (env) {
    routes.set('/env.json', {
      localOnly: true,
      methods: { GET: (_req, res) => sendJson(res, proxyVariables(env)) },
    });
  }
  return routes;
}

/**
 * Linkerd shows its whole environment; ours is limited to the proxy's own variables, since a
 * supervisor may hand the sidecar the same environment as its app, secrets included.
 */
function proxyVariables(env: NodeJS.ProcessEnv): Record<string, string> {
  const shown: Record<string, string> = {};
  for (const name of Object.keys(env).sort()) {
    const value = env[name];
    if (value !== undefined && PROXY_ENV_PREFIXES.some((p) => name.startsWith(p)))
      shown[name] = value;
  }
  return shown;
}
