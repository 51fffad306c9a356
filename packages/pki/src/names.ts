/**
 * Workload identity names, as Linkerd writes them: a DNS-style name
 * `<service>.<namespace>.serviceaccount.identity.<trust-domain>` and the SPIFFE ID
 * `spiffe://<trust-domain>/ns/<namespace>/sa/<service>`.
 */

export interface WorkloadIdentity {
  readonly service: string;
  readonly namespace: string;
  readonly trustDomain: string;
  /** `<service>.<namespace>.serviceaccount.identity.<trust-domain>` (a DNS SAN). */
  readonly name: string;
  /** `spiffe://<trust-domain>/ns/<namespace>/sa/<service>` (a URI SAN). */
  readonly spiffeId: string;
}

export function workloadIdentity(
  service: string,
  namespace: string,
  trustDomain: string,
): WorkloadIdentity {
  return {
    service,
    namespace,
    trustDomain,
    name: `${service}.${namespace}.serviceaccount.identity.${trustDomain}`,
    spiffeId: `spiffe://${trustDomain}/ns/${namespace}/sa/${service}`,
  };
}

/** Reads an identity name back into its parts; undefined when it is not one. */
export function parseIdentityName(name: string): WorkloadIdentity | undefined {
  const match = /^([a-z0-9-]+)\.([a-z0-9-]+)\.serviceaccount\.identity\.(.+)$/.exec(name);
  if (!match) return undefined;
  return workloadIdentity(match[1]!, match[2]!, match[3]!);
}

/** The namespace control-plane components take their identities in. */
export const CONTROL_PLANE_NAMESPACE = 'fusion';
