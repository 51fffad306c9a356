/**
 * Who may open a connection to the inbound port, decided once from the default policy. Identity
 * is checked in the TLS handshake and the caller's network when the connection is accepted, so a
 * caller the policy shuts out never gets to send a request; only `deny` (and the defence in depth
 * of the policy layer) acts per request, where the rescue layer can answer 403.
 */
import { BlockList, isIPv4 } from 'node:net';
import type { InboundDefaultPolicy } from '@fusion/mesh-types';

/** What the listener and the policy layer enforce for one default policy. */
export interface Admission {
  readonly policy: InboundDefaultPolicy;
  /** Every caller must present a mesh certificate (the handshake fails without one). */
  readonly requireIdentity: boolean;
  /** Plain (non-TLS) connections are served, found by looking at their first byte. */
  readonly acceptPlain: boolean;
  /** Only callers from the cluster's networks may connect. */
  readonly clusterOnly: boolean;
  /** Every request is refused with 403. */
  readonly denyAll: boolean;
}

const AUTHENTICATED: ReadonlySet<InboundDefaultPolicy> = new Set([
  'deny',
  'all-authenticated',
  'cluster-authenticated',
]);

/**
 * The admission rules of `policy`. An `external` listener (the gateway) exists to take traffic
 * from outside the mesh, which has no mesh identity and no cluster address, so there the policy
 * can only say whether to refuse everything (`deny`): fusion.yaml's mesh-wide default
 * (all-authenticated) must not lock the public out of the gateway.
 */
export function admissionOf(policy: InboundDefaultPolicy, external: boolean): Admission {
  const authenticated = AUTHENTICATED.has(policy);
  return {
    policy,
    requireIdentity: authenticated && !external,
    acceptPlain: external || !authenticated,
    clusterOnly: !external && policy.startsWith('cluster-'),
    denyAll: policy === 'deny',
  };
}

/**
 * Linkerd's default `clusterNetworks`, plus loopback: on one machine every workload of the mesh
 * connects from a loopback address, so loopback is the cluster's network there.
 */
const CLUSTER_NETWORKS = (() => {
  const networks = new BlockList();
  networks.addSubnet('10.0.0.0', 8, 'ipv4');
  networks.addSubnet('100.64.0.0', 10, 'ipv4');
  networks.addSubnet('172.16.0.0', 12, 'ipv4');
  networks.addSubnet('192.168.0.0', 16, 'ipv4');
  networks.addSubnet('127.0.0.0', 8, 'ipv4');
  networks.addSubnet('fd00::', 8, 'ipv6');
  networks.addAddress('::1', 'ipv6');
  return networks;
})();

/** Whether `address` (as a socket reports it) lies in the cluster's networks. */
export function isClusterAddress(address: string | undefined): boolean {
  if (!address) return false;
  // BlockList matches IPv4-mapped IPv6 (`::ffff:10.1.2.3`) against IPv4 subnets by itself.
  return CLUSTER_NETWORKS.check(address, isIPv4(address) ? 'ipv4' : 'ipv6');
}
