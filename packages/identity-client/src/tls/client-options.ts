/**
 * TLS options for one mesh connection to a peer named by its identity. Linkerd sends the
 * expected identity as SNI and accepts the peer only if its certificate names that identity;
 * the address dialled (an IP, usually) proves nothing about who answers.
 */
import { isIP } from 'node:net';
import type tls from 'node:tls';
import type { Credentials } from '../credentials/index.ts';
import { checkPeerIdentity } from '../credentials/index.ts';

/**
 * `checkServerIdentity` for mesh peers: Node passes the connection's `servername`, which mesh
 * callers set to the peer's identity; a bare IP means the caller forgot to name the peer.
 */
export function meshServerIdentity(
  servername: string,
  cert: tls.PeerCertificate,
): Error | undefined {
  if (isIP(servername) !== 0) {
    return new Error(
      `mesh connection to ${servername} does not name the peer's identity: set servername to it`,
    );
  }
  return checkPeerIdentity(servername, cert);
}

/** Options for `tls.connect` / `http2.connect` to the peer `serverIdentity` with `credentials`. */
export function meshTlsOptions(
  credentials: Credentials,
  serverIdentity: string,
): tls.ConnectionOptions {
  return {
    ...credentials.secureContextOptions(),
    servername: serverIdentity,
    checkServerIdentity: meshServerIdentity,
  };
}
