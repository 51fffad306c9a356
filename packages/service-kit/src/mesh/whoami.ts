/**
 * `GET /v1/whoami`: which service answered and which verified mesh identity called it, and, for
 * a service that names the next hop, the same answer from that hop. Chained
 * (gateway → ai-kernel → identity) it shows, from one curl, every hop a request crossed and the
 * identity each sidecar proved — the mesh's own smoke test, and what the e2e suite drives.
 */
import type { ServiceApp, ServiceContext } from '../service/context.ts';
import { MeshError } from './errors.ts';

/** Set by the callee's sidecar from the caller's client certificate; stripped from outside. */
export const CLIENT_ID_HEADER = 'l5d-client-id';
/** Set by a sidecar on errors it produced itself (no endpoint, app down, refused identity). */
export const PROXY_ERROR_HEADER = 'l5d-proxy-error';

export interface WhoamiHop {
  readonly service: string;
  /** The caller's mesh identity, or null when the request did not arrive over mesh mTLS. */
  readonly caller: string | null;
  /** The next hop's answer, when this service forwards. */
  readonly next?: WhoamiHop | { readonly error: string; readonly status?: number };
}

export const WHOAMI_PATH = '/v1/whoami';

/** Routes for a service's /v1/whoami; `next` is the service it asks in turn. */
export function whoamiRoute(next?: string) {
  return (app: ServiceApp, ctx: ServiceContext): void => {
    app.get(WHOAMI_PATH, async (request, reply) => {
      const caller = request.headers[CLIENT_ID_HEADER];
      const hop: WhoamiHop = {
        service: ctx.name,
        caller: typeof caller === 'string' ? caller : null,
      };
      if (next === undefined) return hop;
      let res: Response;
      try {
        res = await ctx.mesh.fetch(next, WHOAMI_PATH);
      } catch (error) {
        // The mesh client's own errors (a deadline passed, the sidecar unreachable) say which.
        if (!(error instanceof MeshError)) throw error;
        reply.code(504);
        return { ...hop, next: { error: error.message } };
      }
      if (res.ok) return { ...hop, next: (await res.json()) as WhoamiHop };
      reply.code(502);
      const proxyError = res.headers.get(PROXY_ERROR_HEADER);
      // The next hop answered but a hop past it failed: its answer says where.
      if (!proxyError && res.headers.get('content-type')?.startsWith('application/json')) {
        return { ...hop, next: (await res.json()) as WhoamiHop };
      }
      return { ...hop, next: { status: res.status, error: proxyError ?? (await res.text()) } };
    });
  };
}
