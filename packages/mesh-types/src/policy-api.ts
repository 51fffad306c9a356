/**
 * The policy watch of the destination service: a proxy's own ServicePolicy, pushed. Same
 * transport as `Get` (JSON over HTTP/2 with TLS 1.3, the mesh client certificate on every call,
 * `application/x-ndjson` that stays open); the **certificate decides the service**, so a proxy
 * can only ever learn its own policy (see docs/decisions/0014-live-config-and-public-api.md).
 */
import type { ServicePolicy } from './policy.ts';

/** Ours: Linkerd splits this into inbound and outbound policy APIs keyed by port and authority. */
export const POLICY_WATCH_PATH = '/io.linkerd.proxy.policy.Policy/Watch';

export interface PolicyWatchRequest {
  /**
   * Optional: when given it must be the service of the caller's certificate, else the watch is
   * refused with `service-identity-mismatch` (a misconfigured sidecar learns why at once).
   */
  readonly service?: string;
}

/**
 * One line of the Watch stream: the first is the policy in force when the watch opened, then
 * one line each time a reloaded fusion.yaml changes it (a reload that leaves this service's
 * policy as it was sends nothing). Whole policies, never deltas, as for endpoint sets.
 */
export interface PolicyUpdate {
  readonly service: string;
  /** False: the fusion.yaml in force has no such service; `policy` is then null. */
  readonly exists: boolean;
  /** Its `version` is a content hash: equal versions are equal policies, across restarts too. */
  readonly policy: ServicePolicy | null;
}
