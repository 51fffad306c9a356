/**
 * Who is calling, from the TLS handshake alone: the one workload identity (DNS SAN) of a client
 * certificate that chained to the trust anchors. The handshake asks for a certificate but does
 * not insist, so that a caller without one gets a refusal it can read instead of a TLS alert;
 * every call that needs a caller comes through here, and nothing else decides it.
 */
import type { PeerCertificate } from 'node:tls';
import type { WorkloadIdentity } from '@fusion/pki';
import { parseIdentityName } from '@fusion/pki';
import { DestinationRefusal } from './refusal.ts';

/** The TLSSocket fields read; HTTP/2's socket proxy forwards them. */
export interface CallerSocket {
  readonly authorized?: boolean;
  readonly authorizationError?: Error | string | null;
  getPeerCertificate?(): Partial<Pick<PeerCertificate, 'subjectaltname'>>;
}

export function callerOf(socket: CallerSocket, trustDomain: string): WorkloadIdentity {
  const cert = socket.getPeerCertificate?.();
  if (!cert || Object.keys(cert).length === 0) {
    throw new DestinationRefusal(
      'client-certificate-required',
      'no client certificate was presented; destination calls need the mesh certificate of the proxy',
    );
  }
  if (socket.authorized !== true) {
    throw new DestinationRefusal(
      'client-identity-invalid',
      `the client certificate does not chain to the trust anchors (${String(socket.authorizationError ?? 'unverified')})`,
    );
  }
  const names = (cert.subjectaltname ?? '')
    .split(', ')
    .filter((entry) => entry.startsWith('DNS:'))
    .map((entry) => entry.slice('DNS:'.length));
  const identities = names
    .map((name) => parseIdentityName(name))
    .filter((id): id is WorkloadIdentity => id?.trustDomain === trustDomain);
  if (identities.length !== 1) {
    throw new DestinationRefusal(
      'client-identity-invalid',
      `the client certificate must name exactly one workload identity in trust domain ${trustDomain}; it names ${names.map((n) => `'${n}'`).join(', ') || 'none'}`,
    );
  }
  return identities[0]!;
}
