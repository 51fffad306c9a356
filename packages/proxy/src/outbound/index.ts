/**
 * The outbound proxy: the app's own calls to other services, over mesh mTLS to their proxies.
 * Stacks are built per target, never per request — an endpoint stack when discovery names an
 * endpoint, a balancer the first time a service is called — and shared by every request after.
 */

import type { AddressInfo } from 'node:net';
import type { IdentityClient } from '@fusion/identity-client';
import type { Logger, Registry, Tracer } from '@fusion/telemetry';
import { balance, failureAccrual } from '../balance/index.ts';
import type { Discovery } from '../discovery/index.ts';
import type { ProxyError } from '../errors/proxy-error.ts';
import { rescueLayer } from '../errors/rescue.ts';
import type { H1ServerOptions } from '../h1/index.ts';
import type { HttpHandler, ProxyRequest } from '../http/message.ts';
import { tcpMetrics } from '../metrics/tcp-metrics.ts';
import {
  type OutboundPolicies,
  type RouteTableView,
  resilienceMetrics,
  routeStage,
} from '../route/index.ts';
import { loadShedLayer } from '../stack/load-shed.ts';
import { stack } from '../stack/stack.ts';
import { traceFields, traceLayer } from '../trace/index.ts';
import { upgradesToPeer } from '../upgrade/index.ts';
import { connectToEndpoint, type HttpMetrics, recordEndpointMetrics } from './endpoint.ts';
import { listen } from './listener.ts';
import { logical } from './logical.ts';
import { outboundMetrics } from './metrics.ts';
import { type Backoff, DEFAULT_OUTBOUND_BACKOFF } from './session-pool.ts';

export interface OutboundOptions {
  /** Loopback address for the app; port 0 picks one. */
  readonly listen: { readonly host: string; readonly port: number };
  readonly identity: IdentityClient;
  readonly discovery: Discovery;
  readonly registry: Registry;
  readonly logger: Logger;
  /** `LINKERD2_PROXY_OUTBOUND_CONNECT_TIMEOUT`; default 1 s. */
  readonly connectTimeoutMs?: number;
  /** `LINKERD2_PROXY_OUTBOUND_CONNECT_EXP_BACKOFF_*`; default 100 ms to 60 s, jitter 0.1. */
  readonly reconnectBackoff?: Partial<Backoff>;
  /** The request metrics to write; by default the registry's (shared with inbound if there). */
  readonly httpMetrics?: HttpMetrics;
  /**
   * Linkerd's `LINKERD2_PROXY_OUTBOUND_MAX_IN_FLIGHT`: past this many requests in flight, new
   * ones are shed with 503 LOAD_SHED. Default DEFAULT_MAX_IN_FLIGHT (10,000).
   */
  readonly maxInFlight?: number;
  /** Client spans for the requests the app sends (following the app's context). */
  readonly tracer?: Tracer;
  /** The HTTP/1.1 engine's limits and timeouts for the app's requests (`mesh.http1`). */
  readonly http1?: H1ServerOptions;
  /**
   * This service's policy towards the services it calls (timeouts, retries, circuit breakers,
   * failure accrual), followed live; without it only deadlines carried by requests apply.
   */
  readonly policies?: OutboundPolicies;
}

export interface Outbound {
  readonly address: AddressInfo;
  /** The route tables built so far, with the layers active on each route (for /config). */
  routes(): RouteTableView[];
  /** Stops accepting, lets in-flight requests finish, then closes every mesh session. */
  close(): Promise<void>;
}

export async function startOutbound(options: OutboundOptions): Promise<Outbound> {
  const logger = options.logger.child({ component: 'outbound' });
  const metrics = outboundMetrics(options.registry, options.httpMetrics);
  const shutdown = new AbortController();
  const connectTimeoutMs = options.connectTimeoutMs ?? 1_000;
  // Linkerd's tcp_* for the app's connections to us and ours to peers (shared per registry).
  const transport = tcpMetrics(options.registry);
  const connect = connectToEndpoint({
    identity: options.identity,
    connectTimeoutMs,
    backoff: { ...DEFAULT_OUTBOUND_BACKOFF, ...options.reconnectBackoff },
    logger,
    onConnectError: (error, target) => {
      if (error.code === 'PEER_IDENTITY_MISMATCH') {
        metrics.identityMismatch.labels(target.identity ?? '').inc();
      }
    },
    transport,
  });

  const onError = (error: ProxyError, request: ProxyRequest) => {
    metrics.errors.labels(error.code).inc();
    logger.debug(
      { code: error.code, reason: error.message, ...traceFields(request) },
      'outbound request failed',
    );
  };

  const upgradeOptions = { identity: options.identity, connectTimeoutMs, transport };
  const resilience = resilienceMetrics(options.registry);
  // A route split across services sends to the other service's balancer through the logical
  // stage (bound below, once the stack is built).
  let toService: HttpHandler = () => Promise.reject(new Error('the outbound stack is not built'));
  const routes = routeStage({
    policies: options.policies,
    metrics: resilience,
    otherService: (service) => (request) => toService({ ...request, authority: service }),
  });
  const accrual = failureAccrual({
    policyFor: (service) => options.policies?.towards(service)?.circuitBreaker?.failureAccrual,
    onEject: (target, penaltyMs) => {
      resilience.ejections.labels(target.service, target.address).inc();
      logger.info(
        { service: target.service, endpoint: target.address, penaltyMs },
        'endpoint ejected after consecutive failures',
      );
    },
    onRestore: (target) =>
      logger.info({ service: target.service, endpoint: target.address }, 'endpoint restored'),
  });
  // Bottom-up, the way a request is refined: the last push sees it first.
  toService = stack(connect) // one long-lived mTLS h2 session per endpoint; peer identity checked
    .push(upgradesToPeer(upgradeOptions)) // Upgrade requests skip h2: own mTLS, ALPN http/1.1
    .push(recordEndpointMetrics(metrics.http)) // per endpoint: server_id is the replica chosen
    .push(accrual) // per endpoint: consecutive failures eject it from the balancer for a penalty
    .push(balance()) // per service: p2c over peak-EWMA; failed and ejected endpoints are skipped
    .push(routes.layer) // per service: route match → timeout/deadline → retries → breaker → split
    .push(logical(options.discovery, shutdown.signal)) // authority → service; balancers built once
    .build();
  const handler = stack(toService)
    // The client span, retries and all; the peer's server span is its child.
    .push(traceLayer({ tracer: options.tracer, direction: 'outbound', startTraces: false }))
    .push(loadShedLayer(options.maxInFlight)) // past the bound in flight, 503 LOAD_SHED at once
    .push(rescueLayer({ onError })) // outermost: an error from any layer becomes a response
    .build();

  const listener = await listen(handler, options.listen, transport, options.http1);
  logger.info({ address: listener.address }, 'outbound listening');
  return {
    address: listener.address,
    routes: () => routes.describe(),
    close: async () => {
      await listener.close();
      shutdown.abort();
    },
  };
}

export { ORIG_PROTO_HEADER } from '../http/message.ts';
export type { EndpointConnectOptions } from './endpoint.ts';
export { connectToEndpoint, recordEndpointMetrics } from './endpoint.ts';
export type { Listener } from './listener.ts';
export { listen } from './listener.ts';
export { logical } from './logical.ts';
export type { Backoff } from './session-pool.ts';
export { DEFAULT_OUTBOUND_BACKOFF } from './session-pool.ts';
export type { HttpMetrics };
