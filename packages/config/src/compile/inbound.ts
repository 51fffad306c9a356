/**
 * A service's policy as the callee: who may call it (and on which routes), how fast, and
 * which faults its inbound proxy injects. Services are named in fusion.yaml and identities
 * on the wire, so names become identities here, with the mesh's namespace and trust domain.
 */
import type {
  ClientMatch,
  ClientsConfig,
  InboundPolicy,
  MeshSettings,
  RateConfig,
  RateLimit,
  RateLimitPolicy,
  RouteMatchConfig,
} from '@fusion/mesh-types';
import { compileMatch } from './match.ts';
import type { InboundDraft, InboundSettings } from './plan.ts';
import { identityOf } from './selectors.ts';

function identities(clients: ClientsConfig, mesh: MeshSettings): string[] {
  const named = (clients.services ?? []).map((s) =>
    identityOf(s, mesh.namespace, mesh.trustDomain),
  );
  return [...new Set([...named, ...(clients.identities ?? [])])];
}

function clientMatch(clients: ClientsConfig, mesh: MeshSettings): ClientMatch {
  return {
    identities: identities(clients, mesh),
    unauthenticated: clients.unauthenticated === true,
  };
}

/** A burst left out is one second's worth of requests: Linkerd's fixed GCRA tolerance. */
function rate(limit: RateConfig): RateLimit {
  return {
    requestsPerSecond: limit.requestsPerSecond,
    burst: limit.burst ?? limit.requestsPerSecond,
  };
}

function compileRateLimit(
  policy: InboundSettings['rateLimit'],
  mesh: MeshSettings,
): RateLimitPolicy {
  return {
    ...(policy.total && { total: rate(policy.total) }),
    ...(policy.identity && { identity: rate(policy.identity) }),
    overrides: (policy.overrides ?? []).map((o) => ({
      ...rate(o),
      identities: identities(o.clients, mesh),
    })),
  };
}

/** The narrowing a fault block wrote, compiled: replicas, route matches, callers. */
function scopeOf(
  share: {
    instances?: readonly string[];
    routes?: readonly RouteMatchConfig[];
    clients?: ClientsConfig;
  },
  mesh: MeshSettings,
) {
  return {
    ...(share.instances && { instances: share.instances }),
    ...(share.routes && { routes: share.routes.map(compileMatch) }),
    ...(share.clients && { clients: clientMatch(share.clients, mesh) }),
  };
}

export function compileInbound(draft: InboundDraft, mesh: MeshSettings): InboundPolicy {
  const s = draft.settings;
  const written = s['authorization.default']?.value;
  const abort = s['faultInjection.abort']?.value;
  const delay = s['faultInjection.delay']?.value;
  return {
    authorization: {
      // Naming who may call means everyone else may not, as with a Linkerd Server.
      defaultPolicy: written ?? (draft.authorized ? 'deny' : mesh.defaultInboundPolicy),
      rules: draft.allow.map(({ value, name }) => ({
        name,
        clients: clientMatch(value.clients, mesh),
        routes: (value.routes ?? []).map(compileMatch),
      })),
    },
    ...(s.rateLimit && { rateLimit: compileRateLimit(s.rateLimit.value, mesh) }),
    ...((abort || delay) && {
      faultInjection: {
        ...(abort && {
          abort: {
            percentage: abort.percentage,
            status: abort.httpStatus,
            ...scopeOf(abort, mesh),
          },
        }),
        ...(delay && {
          delay: {
            percentage: delay.percentage,
            delayMs: delay.fixedDelayMs,
            ...scopeOf(delay, mesh),
          },
        }),
      },
    }),
  };
}
