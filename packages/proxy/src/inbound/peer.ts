/**
 * What the inbound proxy knows about a caller: whether its connection is TLS and, when its
 * certificate chains to the mesh's trust anchors, the identity it names (its DNS SAN). Worked
 * out once per connection, not per request, and turned into Linkerd's inbound metric labels.
 */
import type { Http2ServerRequest } from 'node:http2';
import type { PeerCertificate } from 'node:tls';
import type { ProxyRequest } from '../http/message.ts';
import type { ConnectionFacts, ServerRequest } from '../http/serve.ts';
import type { TargetLabels } from '../metrics/http-metrics.ts';
import type { TransportLabels } from '../metrics/tcp-metrics.ts';

/** What a caller's identity is read from: a TLSSocket's fields, none of which plain sockets have. */
export interface MaybeTlsSocket {
  readonly remoteAddress?: string;
  readonly encrypted?: boolean;
  readonly authorized?: boolean;
  getPeerCertificate?(): Pick<PeerCertificate, 'subjectaltname'>;
}

const PLAIN: ConnectionFacts = { clientId: undefined, tls: false };

/** A `facts` function for serve(): caches per connection (HTTP/2 session or HTTP/1 socket). */
export function peerFacts(): (req: ServerRequest) => ConnectionFacts {
  const known = new WeakMap<object, ConnectionFacts>();
  return (req) => {
    // HTTP/2's compatibility API hands out a new socket proxy per stream; the session is stable.
    const connection: object =
      req.httpVersionMajor === 2 ? (req as Http2ServerRequest).stream.session! : req.socket;
    let facts = known.get(connection);
    if (!facts) {
      facts = factsOf(req.socket as MaybeTlsSocket);
      known.set(connection, facts);
    }
    return facts;
  };
}

/** The caller's identity: the first DNS SAN of a certificate that chains to our anchors. */
export function factsOf(socket: MaybeTlsSocket): ConnectionFacts {
  const peerAddress = socket.remoteAddress;
  if (!socket.encrypted) return peerAddress === undefined ? PLAIN : { ...PLAIN, peerAddress };
  const san = socket.authorized ? socket.getPeerCertificate?.().subjectaltname : undefined;
  const dns = san
    ?.split(', ')
    .find((entry) => entry.startsWith('DNS:'))
    ?.slice('DNS:'.length);
  return peerAddress === undefined
    ? { clientId: dns, tls: true }
    : { clientId: dns, tls: true, peerAddress };
}

/**
 * Linkerd's inbound labels: `tls="true"` with the caller's `client_id`, or `no_identity` with
 * why. Label objects are shared per caller so a request allocates none.
 */
export function inboundLabels(): (request: ProxyRequest) => TargetLabels {
  const anonymous: TargetLabels = {
    direction: 'inbound',
    tls: 'no_identity',
    noTlsReason: 'no_tls_from_remote',
  };
  const byClient = new Map<string, TargetLabels>();
  return (request) => {
    const clientId = request.ctx.clientId;
    if (clientId === undefined) return anonymous;
    let labels = byClient.get(clientId);
    if (!labels) {
      labels = { direction: 'inbound', tls: 'true', clientId };
      byClient.set(clientId, labels);
    }
    return labels;
  };
}

/** Linkerd's transport labels for a connection the inbound side accepted (after its handshake). */
export function acceptedLabels(socket: MaybeTlsSocket): TransportLabels {
  const facts = factsOf(socket);
  return facts.tls
    ? { direction: 'inbound', peer: 'src', tls: 'true', clientId: facts.clientId }
    : { direction: 'inbound', peer: 'src', tls: 'no_identity', noTlsReason: 'no_tls_from_remote' };
}
