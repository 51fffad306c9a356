/**
 * The endpoint stack: what the balancer holds for each replica. The innermost piece sends
 * requests over the replica's pooled mTLS connections (HTTP/1.1 ones for an app's HTTP/1.1, the
 * one HTTP/2 session for the rest); metrics wrap each endpoint, because only
 * here is the replica chosen, and Linkerd's `server_id` label is the identity it proved.
 */
import type { IdentityClient } from '@fusion/identity-client';
import type { Logger } from '@fusion/telemetry';
import type { EndpointService, EndpointTarget, NewEndpoint } from '../balance/index.ts';
import { ProxyError } from '../errors/proxy-error.ts';
import type { ProxyRequest } from '../http/message.ts';
import type { createHttpMetrics, TargetLabels } from '../metrics/http-metrics.ts';
import type { TcpMetrics } from '../metrics/tcp-metrics.ts';
import type { Layer } from '../stack/stack.ts';
import { forwardOverH2 } from './forward.ts';
import { meshH1Pool } from './mesh-h1.ts';
import { type Backoff, SessionPool } from './session-pool.ts';

export type HttpMetrics = ReturnType<typeof createHttpMetrics>;

/** Label objects remembered per endpoint; past this, an authority's labels are built per request. */
const MAX_AUTHORITY_LABELS = 64;

export interface EndpointConnectOptions {
  readonly identity: IdentityClient;
  readonly connectTimeoutMs: number;
  readonly backoff: Backoff;
  readonly logger: Logger;
  readonly onConnectError?: (error: ProxyError, target: EndpointTarget) => void;
  /** Linkerd's transport metrics for the connections to peers. */
  readonly transport?: TcpMetrics;
}

/** Builds an endpoint's connection and the handler that sends over it. */
export function connectToEndpoint(options: EndpointConnectOptions): NewEndpoint {
  return (target) => {
    const identity = target.identity;
    if (identity === undefined) return outsideTheMesh(target, options.logger);
    const pool = new SessionPool({
      peer: { address: target.address, identity },
      identity: options.identity,
      connectTimeoutMs: options.connectTimeoutMs,
      backoff: options.backoff,
      logger: options.logger,
      onConnectError: (error) => options.onConnectError?.(error, target),
      transport: options.transport,
    });
    // HTTP/1.1 from the app rides pooled HTTP/1.1 mTLS connections (mesh-h1.ts); HTTP/2 and
    // gRPC keep the session, which also keeps the endpoint's status: it reconnects with
    // backoff, and the balancer skips the endpoint while it cannot.
    const h1 = meshH1Pool({ address: target.address, identity }, options);
    const h2 = forwardOverH2(pool);
    return {
      handle: (request) =>
        request.ctx.originalVersion === 'HTTP/1.1' ? h1.pool.request(request) : h2(request),
      status: () => pool.status(),
      close: () => {
        pool.close();
        h1.close();
      },
    };
  };
}

/**
 * Mesh traffic is mTLS or nothing: an endpoint that discovery gives no identity for cannot be
 * verified, so it is never picked (TODO: plaintext to unmeshed endpoints, when egress lands).
 */
function outsideTheMesh(target: EndpointTarget, logger: Logger): EndpointService {
  logger.warn(
    { service: target.service, endpoint: target.address },
    'endpoint has no mesh identity; not sending it traffic',
  );
  const error = new ProxyError(
    'FAIL_FAST',
    `endpoint ${target.address} of ${target.service} has no mesh identity`,
  );
  return { handle: () => Promise.reject(error), status: () => 'failed', close: () => {} };
}

/** Linkerd's request metrics per endpoint: tls and server_id fixed, authority per request. */
export function recordEndpointMetrics(httpMetrics: HttpMetrics): Layer<NewEndpoint> {
  return (newEndpoint) => (target) => {
    const endpoint = newEndpoint(target);
    const fixed: TargetLabels =
      target.identity === undefined
        ? {
            direction: 'outbound',
            tls: 'no_identity',
            noTlsReason: 'not_provided_by_service_discovery',
            dstService: target.service,
          }
        : {
            direction: 'outbound',
            tls: 'true',
            serverId: target.identity,
            dstService: target.service,
          };
    // Apps call a service by one or two authorities: one label object per authority (up to a
    // bound), so the steady state allocates nothing per request and the metrics layer finds its
    // series by the object, even when an app alternates between spellings.
    const byAuthority = new Map<string, TargetLabels>();
    const labelsOf = (request: ProxyRequest): TargetLabels => {
      let labels = byAuthority.get(request.authority);
      if (!labels) {
        labels = { ...fixed, authority: request.authority };
        if (byAuthority.size < MAX_AUTHORITY_LABELS) byAuthority.set(request.authority, labels);
      }
      return labels;
    };
    return { ...endpoint, handle: httpMetrics(labelsOf)(endpoint.handle) };
  };
}
