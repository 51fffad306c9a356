/**
 * One mesh connection to a peer proxy: TCP, then TLS 1.3 with our workload certificate, the
 * peer's chain checked against the trust anchors and its DNS SAN against the identity discovery
 * gave for it, ALPN `h2`, then the peer's HTTP/2 SETTINGS. Only then is the session usable:
 * in TLS 1.3 a server refuses our certificate *after* our side thinks the handshake is done,
 * and its first SETTINGS frame is the first sign it accepted us.
 *
 * No TLS session is ever resumed (none is offered: `session` is never passed), because Node
 * skips `checkServerIdentity` on a resumed session and the identity check would be bypassed.
 */
import http2 from 'node:http2';
import tls from 'node:tls';
import type { Credentials } from '@fusion/identity-client';
import { meshTlsOptions, PeerIdentityError } from '@fusion/identity-client';
import { splitHostPort } from '../discovery/index.ts';
import { asProxyError, ProxyError } from '../errors/proxy-error.ts';

export interface MeshPeer {
  /** `host:port` to dial. */
  readonly address: string;
  /** The identity its certificate must name. */
  readonly identity: string;
}

/** Linkerd's default HTTP/2 connection window: big enough that one session is never the cap. */
const CONNECTION_WINDOW_BYTES = 1_048_576;

/** Resolves with a session ready for requests; rejects with a ProxyError saying what failed. */
export function connectMeshSession(
  peer: MeshPeer,
  credentials: Credentials,
  timeoutMs: number,
): Promise<http2.ClientHttp2Session> {
  const { host, port } = splitHostPort(peer.address);
  return new Promise((resolve, reject) => {
    let tcpConnected = false;
    const socket = tls.connect({
      host,
      port,
      ...meshTlsOptions(credentials, peer.identity),
      ALPNProtocols: ['h2'],
    });
    // Many small frames share this socket; Nagle would hold each for the peer's delayed ACK.
    socket.setNoDelay(true);
    socket.once('connect', () => {
      tcpConnected = true;
    });
    const session = http2.connect(`https://${peer.address}`, { createConnection: () => socket });
    const fail = (error: unknown) => {
      cleanup();
      // Node may still report the same failure on the other object, a tick later.
      socket.on('error', ignore);
      session.on('error', ignore);
      session.destroy();
      socket.destroy();
      reject(connectError(peer, error, tcpConnected));
    };
    const timer = setTimeout(() => {
      const stage = tcpConnected ? 'the TLS handshake' : 'the TCP connect';
      fail(new ProxyError('CONNECT_TIMEOUT', `${stage} took over ${timeoutMs} ms`));
    }, timeoutMs);
    const onSecure = () => {
      if (socket.alpnProtocol !== 'h2') fail(new Error(`ALPN chose ${socket.alpnProtocol}`));
    };
    const onClose = () => fail(new Error('the peer closed the connection during the handshake'));
    const cleanup = () => {
      clearTimeout(timer);
      socket.off('error', fail).off('secureConnect', onSecure);
      session.off('error', fail).off('close', onClose).off('remoteSettings', onSettings);
    };
    const onSettings = () => {
      cleanup();
      session.setLocalWindowSize(CONNECTION_WINDOW_BYTES);
      resolve(session);
    };
    // The socket's own error is the informative one (the session wraps or repeats it).
    socket.once('error', fail).once('secureConnect', onSecure);
    session.once('error', fail).once('close', onClose).once('remoteSettings', onSettings);
  });
}

const ignore = () => {};

/** Names what failed: the peer's identity, its certificate, or reaching it at all. */
function connectError(peer: MeshPeer, error: unknown, tcpConnected: boolean): ProxyError {
  const where = `${peer.address} (${peer.identity})`;
  if (error instanceof PeerIdentityError) {
    return new ProxyError('PEER_IDENTITY_MISMATCH', `${where}: ${error.message}`, { cause: error });
  }
  if (error instanceof ProxyError) {
    return new ProxyError(error.code, `${where}: ${error.message}`, { cause: error });
  }
  const message = (error as Error)?.message ?? String(error);
  // Past TCP, anything that goes wrong is the handshake: a bad chain, an alert, a reset
  // because the peer refused our certificate.
  if (tcpConnected) {
    return new ProxyError('TLS_HANDSHAKE', `${where}: ${message}`, { cause: error });
  }
  const reaching = asProxyError(error);
  return new ProxyError(reaching.code, `${where}: ${message}`, { cause: error });
}
