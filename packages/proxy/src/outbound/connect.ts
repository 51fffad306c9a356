/**
 * One mesh connection to a peer proxy: TCP, then TLS 1.3 with our workload certificate, the
 * peer's chain checked against the trust anchors and its DNS SAN against the identity discovery
 * gave for it, ALPN `h2`, then the peer's HTTP/2 SETTINGS. Only then is the session usable:
 * in TLS 1.3 a server refuses our certificate *after* our side thinks the handshake is done,
 * and its first SETTINGS frame is the first sign it accepted us.
 *
 * No TLS session is ever resumed (none is offered: `session` is never passed), because Node
 * skips `checkServerIdentity` on a resumed session and the identity check would be bypassed.
 *
 * An HTTP/1.1 upgrade (WebSocket) cannot ride the session, so it dials the same way with ALPN
 * `http/1.1` (connectMeshTls): one TLS set-up and one identity check for both.
 */
import type { EventEmitter } from 'node:events';
import http2 from 'node:http2';
import tls, { type TLSSocket } from 'node:tls';
import type { Credentials } from '@fusion/identity-client';
import { meshTlsOptions, PeerIdentityError } from '@fusion/identity-client';
import { splitHostPort } from '../discovery/index.ts';
import { asProxyError, ProxyError } from '../errors/proxy-error.ts';
import { meshPeerLabels, type TcpMetrics } from '../metrics/tcp-metrics.ts';

export interface MeshPeer {
  /** `host:port` to dial. */
  readonly address: string;
  /** The identity its certificate must name. */
  readonly identity: string;
}

/**
 * Offered by both ends of an opaque TCP connection (tcp/), so that neither an HTTP peer nor an
 * opaque one can take the other's bytes for its own protocol: the handshake fails instead.
 */
export const OPAQUE_ALPN = 'fusion.opaque/1';

/** What a mesh connection speaks: HTTP/2 for the shared session, HTTP/1.1 for upgrades. */
export type MeshAlpn = 'h2' | 'http/1.1' | typeof OPAQUE_ALPN;

/** Linkerd's default HTTP/2 connection window: big enough that one session is never the cap. */
const CONNECTION_WINDOW_BYTES = 1_048_576;

/** Resolves with a session ready for requests; rejects with a ProxyError saying what failed. */
export async function connectMeshSession(
  peer: MeshPeer,
  credentials: Credentials,
  timeoutMs: number,
  transport?: TcpMetrics,
): Promise<http2.ClientHttp2Session> {
  const socket = dialMesh(peer, credentials, 'h2', transport);
  // Made at once, not after the handshake, so that the session reads everything the peer sends.
  const session = http2.connect(`https://${peer.address}`, { createConnection: () => socket });
  await established(peer, socket, 'h2', timeoutMs, { on: session, event: 'remoteSettings' });
  session.setLocalWindowSize(CONNECTION_WINDOW_BYTES);
  return session;
}

/**
 * A TLS connection to the peer with the handshake done and `alpn` agreed, for a protocol that
 * is not the shared session. A peer that refuses our certificate says so only once we send
 * (TLS 1.3), so that failure reaches the caller on its first read.
 */
export async function connectMeshTls(
  peer: MeshPeer,
  credentials: Credentials,
  timeoutMs: number,
  alpn: MeshAlpn,
  transport?: TcpMetrics,
): Promise<TLSSocket> {
  const socket = dialMesh(peer, credentials, alpn, transport);
  await established(peer, socket, alpn, timeoutMs, { on: socket, event: 'secureConnect' });
  return socket;
}

/**
 * TCP, then TLS with our certificate and the peer's identity check, offering `alpn`; counted in
 * `transport`'s metrics from its TCP connect when given.
 */
function dialMesh(
  peer: MeshPeer,
  credentials: Credentials,
  alpn: MeshAlpn,
  transport?: TcpMetrics,
): TLSSocket {
  const { host, port } = splitHostPort(peer.address);
  const socket = tls.connect({
    host,
    port,
    ...meshTlsOptions(credentials, peer.identity),
    ALPNProtocols: [alpn],
  });
  // Many small frames share this socket; Nagle would hold each for the peer's delayed ACK.
  socket.setNoDelay(true);
  transport?.trackConnection(socket, meshPeerLabels(peer.identity));
  return socket;
}

/** The event that makes a connection usable, and what emits it: the socket, or a session. */
interface Usable {
  readonly on: EventEmitter & { destroy(): void };
  readonly event: string;
}

/**
 * Resolves once `usable.event` fires. Fails with the error that says most (the socket's own),
 * on a socket or session error, a close, the wrong ALPN or the timeout, and then destroys
 * both, so that nothing is left half open.
 */
function established(
  peer: MeshPeer,
  socket: TLSSocket,
  alpn: MeshAlpn,
  timeoutMs: number,
  usable: Usable,
): Promise<void> {
  const { on: emitter, event } = usable;
  const separate = emitter !== socket;
  return new Promise((resolve, reject) => {
    let tcpConnected = false;
    let settled = false;
    socket.once('connect', () => {
      tcpConnected = true;
    });
    const fail = (error: unknown) => {
      if (settled) return;
      settled = true;
      cleanup();
      // Node may still report the same failure on the other object, a tick later.
      socket.on('error', ignore);
      emitter.on('error', ignore);
      emitter.destroy();
      socket.destroy();
      reject(connectError(peer, error, tcpConnected));
    };
    const timer = setTimeout(() => {
      const stage = tcpConnected ? 'the TLS handshake' : 'the TCP connect';
      fail(new ProxyError('CONNECT_TIMEOUT', `${stage} took over ${timeoutMs} ms`));
    }, timeoutMs);
    const onSecure = () => {
      if (socket.alpnProtocol !== alpn) fail(new Error(`ALPN chose ${socket.alpnProtocol}`));
    };
    const onClose = () => fail(new Error('the peer closed the connection during the handshake'));
    const onUsable = () => {
      if (settled) return;
      settled = true;
      cleanup();
      resolve();
    };
    const cleanup = () => {
      clearTimeout(timer);
      socket.off('error', fail).off('secureConnect', onSecure).off('close', onClose);
      if (separate) emitter.off('error', fail).off('close', onClose);
      emitter.off(event, onUsable);
    };
    // Listened to first, so that a wrong ALPN fails before the socket's secureConnect counts.
    socket.once('error', fail).once('secureConnect', onSecure).once('close', onClose);
    if (separate) emitter.once('error', fail).once('close', onClose);
    emitter.once(event, onUsable);
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
