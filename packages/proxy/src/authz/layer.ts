/**
 * Authorization in the inbound stack, after mTLS and before the app: each request is decided
 * (decide.ts) against the service's authorization as the control plane pushes it now, so a
 * change in fusion.yaml applies to the next request on connections already open. Refused: 403
 * through the rescue layer (PERMISSION_DENIED for gRPC), naming what refused it. Counted with
 * Linkerd's `inbound_http_authz_{allow,deny}_total`, and recorded in the audit log.
 *
 * The control plane's readiness probes (GET or HEAD from its identity) are always admitted, as
 * Linkerd admits kubelet's: a policy that shut them out would take the service out of discovery.
 */
import type { InboundAuthorization, InboundDefaultPolicy } from '@fusion/mesh-types';
import type { Registry } from '@fusion/telemetry';
import type { Audit } from '../audit/index.ts';
import { ProxyError } from '../errors/proxy-error.ts';
import type { HttpHandler, ProxyRequest } from '../http/message.ts';
import type { Layer } from '../stack/stack.ts';
import { type Caller, type Decision, decide } from './decide.ts';
import { authzMetrics } from './metrics.ts';

export const PROBE_AUTHORIZATION = 'control-plane-probe';

export interface AuthorizationOptions {
  /** The authorization pushed for this service now; undefined until the first push. */
  readonly authorization: () => InboundAuthorization | undefined;
  /** What applies until then: the sidecar's LINKERD2_PROXY_INBOUND_DEFAULT_POLICY. */
  readonly fallback: InboundDefaultPolicy;
  /** The gateway's port, open to callers from outside the mesh. */
  readonly external: boolean;
  readonly controlPlaneIdentity?: string;
  readonly registry: Registry;
  readonly audit?: Audit;
}

export function authorizationLayer(options: AuthorizationOptions): Layer<HttpHandler> {
  const metrics = authzMetrics(options.registry, 'http');
  const fallback: InboundAuthorization = { defaultPolicy: options.fallback, rules: [] };
  const probe: Decision = { allowed: true, by: PROBE_AUTHORIZATION };
  const { external, controlPlaneIdentity, audit } = options;
  return (inner) => (request) => {
    const caller: Caller = { clientId: request.ctx.clientId, peerAddress: request.ctx.peerAddress };
    const decision = isProbe(request, controlPlaneIdentity)
      ? probe
      : decide(options.authorization() ?? fallback, caller, request, external);
    const tls = request.ctx.tls ? 'true' : 'no_identity';
    const clientId = caller.clientId ?? '';
    if (decision.allowed) {
      metrics.allow.labels(decision.by, tls, clientId).inc();
      audit?.request(request, 'allow', decision.by);
      return inner(request);
    }
    metrics.deny.labels(decision.by, tls, clientId).inc();
    const who =
      caller.clientId ?? `an unauthenticated caller (${caller.peerAddress ?? 'unknown address'})`;
    const reason = `${who} is not authorized by ${decision.by}`;
    audit?.request(request, 'deny', decision.by, reason);
    return Promise.reject(new ProxyError('UNAUTHORIZED', reason));
  };
}

function isProbe(request: ProxyRequest, controlPlaneIdentity: string | undefined): boolean {
  return (
    controlPlaneIdentity !== undefined &&
    request.ctx.clientId === controlPlaneIdentity &&
    (request.method === 'GET' || request.method === 'HEAD')
  );
}
