/**
 * The inbound side of the sidecar: terminates mesh mTLS on the service's published port, learns
 * who called from the caller's certificate, applies the service's authorization and rate limit
 * (auditing each decision), records Linkerd's metrics, and forwards to the app over pooled
 * loopback connections with the caller's identity in `l5d-client-id`.
 */

import type { AddressInfo, Socket } from 'node:net';
import type { IdentityClient } from '@fusion/identity-client';
import type {
  FaultInjectionPolicy,
  InboundAuthorization,
  InboundDefaultPolicy,
  RateLimitPolicy,
} from '@fusion/mesh-types';
import type { Logger, Registry, Tracer } from '@fusion/telemetry';
import type { Audit } from '../audit/index.ts';
import { authorizationLayer } from '../authz/index.ts';
import type { ProxyError } from '../errors/proxy-error.ts';
import { rescueLayer } from '../errors/rescue.ts';
import { type FaultKind, faultLayer } from '../fault/index.ts';
import type { H1ServerOptions } from '../h1/index.ts';
import type { ProxyRequest } from '../http/message.ts';
import { accessLogLayer } from '../logging/access-log.ts';
import { createHttpMetrics } from '../metrics/http-metrics.ts';
import { loopbackLabels, tcpMetrics } from '../metrics/tcp-metrics.ts';
import { rateLimitLayer } from '../ratelimit/index.ts';
import { loadShedLayer } from '../stack/load-shed.ts';
import { stack } from '../stack/stack.ts';
import { deadlineLayer } from '../timeout/index.ts';
import { traceFields, traceLayer } from '../trace/index.ts';
import { upgradesToApp } from '../upgrade/index.ts';
import { admissionOf } from './admission.ts';
import { clientIdLayer } from './client-id.ts';
import { type AppProtocol, newForwardToApp } from './forward-to-app.ts';
import { listen } from './listener.ts';
import { origProtoLayer } from './orig-proto.ts';
import { inboundLabels } from './peer.ts';

export { ORIG_PROTO_HEADER } from '../http/message.ts';
export { CLIENT_ID_HEADER } from './client-id.ts';
export type { AppProtocol } from './forward-to-app.ts';

export interface InboundOptions {
  /** `LINKERD2_PROXY_INBOUND_LISTEN_ADDR`: the service's published port. */
  readonly listen: { readonly host: string; readonly port: number };
  /** Where the app listens (a private loopback port). */
  readonly app: { readonly host: string; readonly port: number };
  /** Whether the app takes HTTP/2 without TLS; HTTP/2 callers reach it as HTTP/1.1 otherwise. */
  readonly appProtocol?: AppProtocol;
  /** Already started: `credentials()` is set. */
  readonly identity: IdentityClient;
  /** `LINKERD2_PROXY_INBOUND_DEFAULT_POLICY`. */
  readonly defaultPolicy: InboundDefaultPolicy;
  /**
   * The gateway: also serves callers from outside the mesh (plain HTTP, or TLS without a client
   * certificate) on the same port, whatever the default policy says short of `deny`.
   */
  readonly external?: boolean;
  /** Spans for the requests it serves; an external sidecar also starts traces (its share). */
  readonly tracer?: Tracer;
  /** Where Linkerd's access log lines go (LINKERD2_PROXY_ACCESS_LOG); none when undefined. */
  readonly accessLog?: Logger;
  readonly registry: Registry;
  readonly logger: Logger;
  /** `LINKERD2_PROXY_INBOUND_CONNECT_TIMEOUT`; default 100 ms, as Linkerd's chart. */
  readonly connectTimeoutMs?: number;
  /**
   * Linkerd's `LINKERD2_PROXY_INBOUND_MAX_IN_FLIGHT`: past this many requests in flight, new
   * ones are shed with 503 LOAD_SHED. Default DEFAULT_MAX_IN_FLIGHT (10,000).
   */
  readonly maxInFlight?: number;
  /** The HTTP/1.1 engine's limits and timeouts for callers (fusion.yaml `mesh.http1`). */
  readonly http1?: H1ServerOptions;
  /** This replica's name (`identity-2`), for faults that only some replicas inject. */
  readonly instance?: string;
  /**
   * fusion.yaml's `authorizationPolicies` for this service, as pushed now; until the first push
   * (or without a control plane), `defaultPolicy` decides.
   */
  readonly authorization?: () => InboundAuthorization | undefined;
  /** fusion.yaml's `rateLimits` for this service, as pushed now; none without it. */
  readonly rateLimit?: () => RateLimitPolicy | undefined;
  /** Records each access decision (the audit log); none without it. */
  readonly audit?: Audit;
  /** fusion.yaml's `faultInjections` for this service, as pushed now; none without it. */
  readonly faults?: () => FaultInjectionPolicy | undefined;
  /** The control plane's identity: its readiness probes are always admitted, never faulted. */
  readonly controlPlaneIdentity?: string;
}

export interface InboundServer {
  readonly address: AddressInfo;
  /** Stops accepting, drains connections, then closes the pool to the app. */
  close(): Promise<void>;
}

export const DEFAULT_CONNECT_TIMEOUT_MS = 100;
const none = () => undefined;
const TO_APP = loopbackLabels('inbound', 'dst');

export async function startInbound(options: InboundOptions): Promise<InboundServer> {
  const { logger } = options;
  const admission = admissionOf(options.defaultPolicy, options.external ?? false);
  // Linkerd's tcp_* for callers' connections and ours to the app (shared per registry).
  const transport = tcpMetrics(options.registry);
  const appEndpoint = {
    ...options.app,
    connectTimeoutMs: options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
    onConnection: (socket: Socket) => transport.trackConnection(socket, TO_APP),
  };
  const app = newForwardToApp(appEndpoint, options.appProtocol ?? 'http1');
  // One set of families per registry: the outbound side records into the same ones.
  const recordHttp = createHttpMetrics(options.registry);

  const faultsInjected = options.registry.counter({
    name: 'inbound_http_fault_injections_total',
    help: "Requests delayed or answered by fusion.yaml's faultInjections instead of the app.",
    labelNames: ['kind'],
  });
  const countFault = (kind: FaultKind) => faultsInjected.labels(kind).inc();

  // With the request's trace ids, so `fusion logs --trace` finds the failure beside the app's.
  const logFailure = (error: ProxyError, request: ProxyRequest) =>
    logger.info(
      { code: error.code, reason: error.message, ...traceFields(request) },
      'inbound request failed',
    );

  // Innermost: the app, over pooled keep-alive connections, bodies streamed both ways.
  const inbound = stack(app.handler)
    // Upgrades (WebSocket) leave the pool: a connection of their own to the app, then piped.
    .push(upgradesToApp(appEndpoint))
    // The caller's deadline, if it sent one: what is left goes to the app (which carries it on
    // to its own calls), and when it runs out the app's request is cancelled and 504 answered.
    .push(deadlineLayer({ describe: 'the app' }))
    // Restores HTTP/1.1 that crossed the mesh as HTTP/2: decides how the app is spoken to.
    .push(origProtoLayer())
    // Last header change before the app: l5d-client-id comes from the handshake, nothing else.
    .push(clientIdLayer())
    // Only for admitted callers, and inside the metrics: an injected failure is counted as one.
    .push(
      faultLayer({
        policy: options.faults ?? none,
        instance: options.instance,
        onInjected: countFault,
        exempt: (request) =>
          options.controlPlaneIdentity !== undefined &&
          request.ctx.clientId === options.controlPlaneIdentity,
      }),
    )
    // For admitted callers only: a refused request spends nobody's limit.
    .push(
      rateLimitLayer({
        policy: options.rateLimit ?? none,
        registry: options.registry,
        ...(options.audit && { audit: options.audit }),
      }),
    )
    // Needs the verified caller from TLS; refuses before the app sees anything.
    .push(
      authorizationLayer({
        authorization: options.authorization ?? none,
        fallback: options.defaultPolicy,
        external: options.external ?? false,
        registry: options.registry,
        ...(options.controlPlaneIdentity && {
          controlPlaneIdentity: options.controlPlaneIdentity,
        }),
        ...(options.audit && { audit: options.audit }),
      }),
    )
    // Outside the policy, so refused requests are counted too, labelled with their caller.
    .push(recordHttp(inboundLabels()))
    // Inside the span: its line carries the span's trace id.
    .push(accessLogLayer(options.accessLog))
    // The server span: a refused request is traced too; the app's span becomes its child.
    .push(
      traceLayer({
        tracer: options.tracer,
        direction: 'inbound',
        startTraces: options.external ?? false,
      }),
    )
    // Bounds the queue an overloaded proxy builds: past the bound, 503 at once (cheap: one count).
    .push(loadShedLayer(options.maxInFlight))
    // Outermost: every error, the policy's 403 included, becomes a response with l5d-proxy-error.
    .push(rescueLayer({ onError: logFailure }))
    .build();

  const listener = await listen(inbound, {
    listen: options.listen,
    identity: options.identity,
    admission,
    logger,
    transport,
    http1: options.http1,
  }).catch((error: unknown) => {
    app.close();
    throw error;
  });
  logger.info(
    { address: listener.address, policy: admission.policy, external: options.external ?? false },
    'inbound listening',
  );
  return {
    address: listener.address,
    close: async () => {
      await listener.close();
      app.close();
    },
  };
}
