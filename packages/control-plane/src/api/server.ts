/**
 * The public API's HTTP server: plain HTTP/1.1, meant for loopback (the CLI and the dashboard
 * on the same host), GET and HEAD only — nothing here changes anything; configuration changes
 * go through the file, which the control plane validates (docs/decisions/0014). Routing only:
 * the bodies are built in views.ts and identities.ts.
 */
import http from 'node:http';
import {
  API_V1_PATHS,
  API_V1_PREFIX,
  type ApiErrorBody,
  type ApiErrorCode,
  type ApiIndex,
} from '@fusion/mesh-types';
import type { Logger } from '@fusion/telemetry';
import { type HttpListener, httpListener } from '../listen.ts';
import type { IdentitiesSource } from './identities.ts';
import { identitiesView } from './identities.ts';
import {
  type ConfigView,
  configView,
  type EndpointsView,
  policiesView,
  servicesView,
  serviceView,
} from './views.ts';

export interface ApiServerOptions {
  readonly config: ConfigView;
  readonly endpoints: EndpointsView;
  readonly identities: IdentitiesSource;
  readonly logger: Logger;
  /** Milliseconds on the endpoint registry's clock; Date.now by default. */
  readonly now?: () => number;
}

export type ApiServer = HttpListener;

/** A route's answer: a body, or why there is none (the path named something that is not there). */
type Answer = { readonly body: unknown } | { readonly missing: string };
type Route = (name: string | undefined) => Answer;

const INDEX: ApiIndex = { version: 'v1', paths: API_V1_PATHS };

export function createApiServer(options: ApiServerOptions): ApiServer {
  const { config, endpoints, logger } = options;
  const now = options.now ?? Date.now;
  const found = (body: unknown): Answer => ({ body });
  const routes = new Map<string, Route>([
    ['', () => found(INDEX)],
    ['/services', () => found(servicesView(config.current(), endpoints, now()))],
    [
      '/services/*',
      (name) => {
        const service = serviceView(name!, config.current(), endpoints, now());
        return service
          ? found(service)
          : { missing: `no service '${name}' in the config or the registry` };
      },
    ],
    ['/config', () => found(configView(config))],
    ['/policies', () => found(policiesView(config.current()))],
    [
      '/policies/*',
      (name) => {
        const policy = config.current().policies[name!];
        return policy ? found(policy) : { missing: `no service '${name}' in the config in force` };
      },
    ],
    ['/identities', () => found(identitiesView(options.identities))],
  ]);

  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]!.replace(/\/+$/, '');
    const match = matchRoute(routes, path);
    if (!match) {
      return sendError(
        res,
        404,
        'not-found',
        `no such path: ${path || '/'}; GET ${API_V1_PREFIX} lists them`,
      );
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('allow', 'GET, HEAD');
      return sendError(
        res,
        405,
        'method-not-allowed',
        `${req.method} not allowed; this API is read-only`,
      );
    }
    let answer: Answer;
    try {
      answer = match.route(match.name);
    } catch (error) {
      logger.error({ err: error, path }, 'public API request failed');
      return sendError(res, 500, 'internal', (error as Error).message);
    }
    if ('missing' in answer) return sendError(res, 404, 'not-found', answer.missing);
    send(res, 200, answer.body, req.method === 'HEAD');
  });
  // The CLI asks once; the dashboard polls every few seconds. Neither needs minutes of idle sockets.
  server.keepAliveTimeout = 5_000;

  return httpListener(server);
}

/** `/api/v1/services/orders` → the `/services/*` route with name `orders`. */
function matchRoute(
  routes: ReadonlyMap<string, Route>,
  path: string,
): { route: Route; name: string | undefined } | undefined {
  if (path !== API_V1_PREFIX && !path.startsWith(`${API_V1_PREFIX}/`)) return undefined;
  const rest = path.slice(API_V1_PREFIX.length);
  const exact = routes.get(rest);
  if (exact) return { route: exact, name: undefined };
  const parts = /^(\/[a-z]+)\/([^/]+)$/.exec(rest);
  const route = parts && routes.get(`${parts[1]}/*`);
  if (!parts || !route) return undefined;
  let name: string;
  try {
    name = decodeURIComponent(parts[2]!);
  } catch {
    return undefined;
  }
  return { route, name };
}

function send(res: http.ServerResponse, status: number, body: unknown, headOnly = false): void {
  const text = `${JSON.stringify(body, null, 2)}\n`;
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    // Always the state of now: a cached answer about a live config would mislead.
    'cache-control': 'no-store',
  });
  res.end(headOnly ? undefined : text);
}

function sendError(
  res: http.ServerResponse,
  status: number,
  code: ApiErrorCode,
  message: string,
): void {
  const body: ApiErrorBody = { error: { code, message } };
  send(res, status, body);
}
