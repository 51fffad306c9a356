/**
 * The outbound side of an upgrade. HTTP/2 has no Upgrade, so such a request cannot ride the
 * endpoint's shared session (Linkerd skips its HTTP/2 upgrade for it too): it gets a mesh TLS
 * connection of its own to the endpoint the balancer chose, ALPN `http/1.1`, dialled by the
 * same code as the session, so the peer's identity is checked the same way.
 */
import type { IdentityClient } from '@fusion/identity-client';
import type { NewEndpoint } from '../balance/index.ts';
import { ProxyError } from '../errors/proxy-error.ts';
import type { ProxyRequest, ProxyResponse } from '../http/message.ts';
import type { TcpMetrics } from '../metrics/tcp-metrics.ts';
import { connectMeshTls, type MeshPeer } from '../outbound/connect.ts';
import type { Layer } from '../stack/stack.ts';
import { sendUpgrade } from './send.ts';

export interface UpgradesToPeerOptions {
  readonly identity: IdentityClient;
  readonly connectTimeoutMs: number;
  /** Counts the connections in Linkerd's tcp_* metrics, as the sessions' are. */
  readonly transport?: TcpMetrics;
}

/** Wraps each endpoint so that its upgrade requests go over a connection of their own. */
export function upgradesToPeer(options: UpgradesToPeerOptions): Layer<NewEndpoint> {
  return (newEndpoint) => (target) => {
    const endpoint = newEndpoint(target);
    // Outside the mesh: the endpoint refuses every request, upgrades included.
    if (target.identity === undefined) return endpoint;
    const peer: MeshPeer = { address: target.address, identity: target.identity };
    const upgrade = async (request: ProxyRequest): Promise<ProxyResponse> => {
      const credentials = options.identity.credentials();
      if (!credentials) {
        throw new ProxyError('TLS_HANDSHAKE', `${peer.address}: no mesh credentials yet`);
      }
      const { connectTimeoutMs, transport } = options;
      const socket = await connectMeshTls(
        peer,
        credentials,
        connectTimeoutMs,
        'http/1.1',
        transport,
      );
      return sendUpgrade(request, socket);
    };
    return {
      ...endpoint,
      handle: (request) =>
        request.upgrade === undefined ? endpoint.handle(request) : upgrade(request),
    };
  };
}
