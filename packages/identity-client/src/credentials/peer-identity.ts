/**
 * Mesh peers are named by identity, not by host: a certificate is acceptable when one of its DNS
 * SANs is exactly the identity we expected to reach (Linkerd's rule; the address we dialled is
 * an IP and says nothing about who answers). Used for the identity service itself and for
 * every mesh connection made through createMeshAgent.
 */
import type { PeerCertificate } from 'node:tls';

export class PeerIdentityError extends Error {
  readonly code = 'peer-identity-mismatch';
  readonly expected: string;
  readonly presented: readonly string[];
  constructor(expected: string, presented: readonly string[]) {
    const names = presented.length > 0 ? presented.map((n) => `'${n}'`).join(', ') : 'no DNS name';
    super(`peer presented identity ${names} but '${expected}' was expected`);
    this.name = 'PeerIdentityError';
    this.expected = expected;
    this.presented = presented;
  }
}

/** The DNS SANs of a peer certificate as Node reports it (`DNS:a, URI:b, …`). */
export function dnsNamesOf(cert: Pick<PeerCertificate, 'subjectaltname'>): string[] {
  const san = cert.subjectaltname;
  if (!san) return [];
  return san
    .split(', ')
    .filter((entry) => entry.startsWith('DNS:'))
    .map((entry) => entry.slice('DNS:'.length));
}

/** For `checkServerIdentity`: undefined when `cert` names `expected`, the reason otherwise. */
export function checkPeerIdentity(
  expected: string,
  cert: Pick<PeerCertificate, 'subjectaltname'>,
): PeerIdentityError | undefined {
  const names = dnsNamesOf(cert);
  return names.includes(expected) ? undefined : new PeerIdentityError(expected, names);
}
