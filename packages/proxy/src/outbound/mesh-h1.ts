/**
 * The HTTP/1.1 side of an endpoint (decision 0009): a pool of kept-alive mTLS connections to
 * the peer proxy, ALPN `http/1.1`, each one dialled and identity-checked like the HTTP/2
 * session (connectMeshTls). An app's HTTP/1.1 rides these rather than streams of one h2
 * session: our engine on a socket costs a fraction of node:http2's objects per request.
 * After a credentials rotation no connection opened with the old certificate takes another
 * request.
 */
import type { IdentityClient } from '@fusion/identity-client';
import { ProxyError } from '../errors/proxy-error.ts';
import { H1Pool } from '../h1/index.ts';
import type { TcpMetrics } from '../metrics/tcp-metrics.ts';
import { connectMeshTls, type MeshPeer } from './connect.ts';

/** HTTP/1.1 connections to one peer proxy at most; requests past it wait for a free one. */
const MAX_CONNECTIONS = 256;
/** An idle one closes after this; the peer's inbound keeps it 60 s, so we always close first. */
const IDLE_TIMEOUT_MS = 30_000;

export interface MeshH1Options {
  readonly identity: IdentityClient;
  readonly connectTimeoutMs: number;
  readonly transport?: TcpMetrics;
}

export interface MeshH1 {
  readonly pool: H1Pool;
  close(): void;
}

export function meshH1Pool(peer: MeshPeer, options: MeshH1Options): MeshH1 {
  const describe = `${peer.address} (${peer.identity})`;
  const pool = new H1Pool({
    open: () => {
      const credentials = options.identity.credentials();
      if (!credentials) {
        return Promise.reject(
          new ProxyError('TLS_HANDSHAKE', `${describe}: no mesh credentials yet`),
        );
      }
      return connectMeshTls(
        peer,
        credentials,
        options.connectTimeoutMs,
        'http/1.1',
        options.transport,
      );
    },
    maxConnections: MAX_CONNECTIONS,
    idleTimeoutMs: IDLE_TIMEOUT_MS,
    describe,
  });
  const onRotated = () => pool.retire();
  options.identity.on('rotated', onRotated);
  return {
    pool,
    close: () => {
      options.identity.off('rotated', onRotated);
      pool.close();
    },
  };
}
