/**
 * Linkerd's transport metrics, with its names, types and labels: `tcp_open_total`,
 * `tcp_close_total` (classified), the `tcp_open_connections` gauge and the byte counters, which
 * Linkerd updates when a connection closes, not per read. One call per connection does it all,
 * so every place that accepts or opens a connection needs exactly one line.
 *
 * Labels: `direction`; `peer` (`src` for a connection the proxy accepted, `dst` for one it
 * opened); the TLS labels of linkerd2-proxy's transport/labels.rs (`tls="true"` with `client_id`
 * inbound or `server_id` outbound, else `tls="no_identity"` with `no_tls_reason`).
 *
 * Bytes are those the socket carried for its user: for a TLS socket the plaintext inside the
 * session, for a plain one what crossed the wire.
 */
import type { Socket } from 'node:net';
import type { Registry } from '@fusion/telemetry';
import type { Direction } from './http-metrics.ts';

export interface TransportLabels {
  readonly direction: Direction;
  /** `src`: accepted from a client; `dst`: opened to a server. */
  readonly peer: 'src' | 'dst';
  readonly tls: 'true' | 'no_identity';
  /** Inbound mesh connections: the identity the caller's certificate proved. */
  readonly clientId?: string;
  /** Outbound mesh connections: the identity the peer must prove. */
  readonly serverId?: string;
  /** With `tls="no_identity"`: Linkerd's reason (`loopback`, `no_tls_from_remote`, …). */
  readonly noTlsReason?: string;
}

export interface TcpMetrics {
  /**
   * Counts `socket` from now until it closes. A socket still connecting counts once connected
   * (a connect that fails was never open); tracking one socket twice counts it once.
   */
  trackConnection(socket: Socket, labels: TransportLabels): void;
  /** Linkerd's `inbound_tcp_errors_total` / `outbound_tcp_errors_total`, by error code. */
  countError(direction: Direction, error: string): void;
}

/** The app's own connections, over loopback: no mesh TLS there, by design. */
export function loopbackLabels(direction: Direction, peer: 'src' | 'dst'): TransportLabels {
  return { direction, peer, tls: 'no_identity', noTlsReason: 'loopback' };
}

/** A connection this proxy opened to a peer proxy that must prove `serverId`. */
export function meshPeerLabels(serverId: string): TransportLabels {
  return { direction: 'outbound', peer: 'dst', tls: 'true', serverId };
}

const TRANSPORT = ['direction', 'peer', 'tls', 'client_id', 'server_id', 'no_tls_reason'] as const;

/** One set of families per registry: inbound, outbound and opaque TCP share it. */
const perRegistry = new WeakMap<Registry, TcpMetrics>();

export function tcpMetrics(registry: Registry): TcpMetrics {
  let metrics = perRegistry.get(registry);
  if (!metrics) {
    metrics = build(registry);
    perRegistry.set(registry, metrics);
  }
  return metrics;
}

function build(registry: Registry): TcpMetrics {
  const opened = registry.counter({
    name: 'tcp_open_total',
    help: 'Total count of opened connections.',
    labelNames: TRANSPORT,
  });
  const closed = registry.counter({
    name: 'tcp_close_total',
    help: 'Total count of closed connections.',
    labelNames: [...TRANSPORT, 'classification'] as const,
  });
  const open = registry.gauge({
    name: 'tcp_open_connections',
    help: 'Number of currently-open connections.',
    labelNames: TRANSPORT,
  });
  const read = registry.counter({
    name: 'tcp_read_bytes_total',
    help: 'Total count of bytes read from peers, counted when each connection closes.',
    labelNames: TRANSPORT,
  });
  const written = registry.counter({
    name: 'tcp_write_bytes_total',
    help: 'Total count of bytes written to peers, counted when each connection closes.',
    labelNames: TRANSPORT,
  });
  const errors = {
    inbound: registry.counter({
      name: 'inbound_tcp_errors_total',
      help: 'Inbound connections the proxy closed because of an error, by error code.',
      labelNames: ['error'],
    }),
    outbound: registry.counter({
      name: 'outbound_tcp_errors_total',
      help: 'Outbound connections the proxy closed because of an error, by error code.',
      labelNames: ['error'],
    }),
  };
  const tracked = new WeakSet<Socket>();

  const start = (socket: Socket, labels: TransportLabels) => {
    const values = [
      labels.direction,
      labels.peer,
      labels.tls,
      labels.clientId ?? '',
      labels.serverId ?? '',
      labels.noTlsReason ?? '',
    ] as const;
    opened.labels(...values).inc();
    const gauge = open.labels(...values);
    gauge.inc();
    socket.once('close', (hadError: boolean) => {
      gauge.dec();
      // A socket destroyed with an error (a reset, a failed read or write, an error the proxy
      // raised on it) is a failure; one that ended, even abruptly by our own hand, is not.
      closed.labels(...values, hadError ? 'failure' : 'success').inc();
      read.labels(...values).inc(socket.bytesRead);
      written.labels(...values).inc(socket.bytesWritten);
    });
  };

  return {
    trackConnection(socket, labels) {
      if (tracked.has(socket) || socket.destroyed) return;
      tracked.add(socket);
      if (!socket.connecting) return start(socket, labels);
      const connected = () => {
        socket.off('close', failed);
        start(socket, labels);
      };
      const failed = () => socket.off('connect', connected);
      socket.once('connect', connected).once('close', failed);
    },
    countError(direction, error) {
      errors[direction].labels(error).inc();
    },
  };
}
