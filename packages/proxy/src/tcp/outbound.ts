/**
 * Opaque TCP from the app to a mesh service, Consul Connect's "upstreams": with no iptables to
 * capture the app's connections, the proxy opens one loopback listener per upstream
 * (`FUSION_PROXY_OUTBOUND_TCP=postgres=127.0.0.1:15432`) and the app connects there as if it
 * were the service. Each connection goes to one endpoint of the service from discovery, over
 * TLS with our certificate, the peer's identity checked exactly as for HTTP (connect.ts's
 * connectMeshTls), offering the opaque ALPN, then bytes are piped both ways.
 *
 * Nothing is sent upstream before the mesh connection is up (the app's first bytes wait in its
 * socket), so an endpoint that fails to connect is safely replaced by another one. When none
 * can be reached, the app's connection is reset, and the reason logged and counted.
 */
import net, { type AddressInfo, type Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { IdentityClient } from '@fusion/identity-client';
import type { Logger, Registry } from '@fusion/telemetry';
import type { Discovery, Endpoint } from '../discovery/index.ts';
import { asProxyError, ProxyError } from '../errors/proxy-error.ts';
import { loopbackLabels, tcpMetrics } from '../metrics/tcp-metrics.ts';
import { connectMeshTls, OPAQUE_ALPN } from '../outbound/connect.ts';
import { type Backoff, DEFAULT_OUTBOUND_BACKOFF } from '../outbound/index.ts';
import { OpenConnections } from './drain.ts';
import { EndpointPicker, keyOf } from './endpoints.ts';
import { pipeBothWays } from './pipe.ts';

/** One entry of FUSION_PROXY_OUTBOUND_TCP: where the app connects to reach `service`. */
export interface TcpUpstream {
  readonly service: string;
  readonly listen: { readonly host: string; readonly port: number };
}

export interface TcpOutboundOptions {
  readonly upstreams: readonly TcpUpstream[];
  readonly identity: IdentityClient;
  readonly discovery: Discovery;
  readonly registry: Registry;
  readonly logger: Logger;
  /** `LINKERD2_PROXY_OUTBOUND_CONNECT_TIMEOUT`; default 1 s, per endpoint tried. */
  readonly connectTimeoutMs?: number;
  /** How long an endpoint that failed is skipped; Linkerd's outbound backoff by default. */
  readonly backoff?: Partial<Backoff>;
}

export interface TcpOutbound {
  /** Each upstream's listener, as bound (port 0 resolved). */
  readonly listeners: readonly { readonly service: string; readonly address: AddressInfo }[];
  /** Stops accepting; open connections get `graceMs` (default 5 s) to finish. */
  close(graceMs?: number): Promise<void>;
}

/** Endpoints tried for one connection before it is given up: bounds a connect to a dead service. */
const MAX_ATTEMPTS = 3;

export async function startTcpOutbound(options: TcpOutboundOptions): Promise<TcpOutbound> {
  const { discovery, identity, logger } = options;
  const metrics = tcpMetrics(options.registry);
  const picker = new EndpointPicker({
    backoff: { ...DEFAULT_OUTBOUND_BACKOFF, ...options.backoff },
  });
  const timeoutMs = options.connectTimeoutMs ?? 1_000;
  const open = new OpenConnections();

  /** A mesh connection to some endpoint of `service`, or the error that says why there is none. */
  const dial = async (service: string, app: Socket): Promise<TLSSocket> => {
    const unavailable = (code: 'UNKNOWN_SERVICE' | 'FAIL_FAST', message: string) => {
      metrics.countError('outbound', code);
      return new ProxyError(code, message);
    };
    const endpoints = discovery.resolve(service);
    if (!endpoints)
      throw unavailable('UNKNOWN_SERVICE', `no service named ${service} is in the mesh`);
    // Mesh traffic is mTLS or nothing: an endpoint without an identity cannot be verified.
    const meshed = endpoints.filter((e) => e.identity !== undefined);
    if (meshed.length === 0) {
      const why = endpoints.length === 0 ? 'no endpoints' : 'no endpoint with a mesh identity';
      throw unavailable('FAIL_FAST', `service ${service} is unavailable: discovery names ${why}`);
    }
    const tried = new Set<string>();
    let last: ProxyError | undefined;
    for (
      let endpoint = picker.pick(meshed, tried);
      endpoint;
      endpoint = picker.pick(meshed, tried)
    ) {
      tried.add(keyOf(endpoint));
      try {
        return await connectTo(endpoint, app);
      } catch (error) {
        last = asProxyError(error);
        picker.failed(endpoint);
        metrics.countError('outbound', last.code);
        logger.debug({ service, endpoint: endpoint.address, code: last.code }, last.message);
        if (app.destroyed || tried.size >= MAX_ATTEMPTS) break;
      }
    }
    throw last!;
  };

  const connectTo = async (endpoint: Endpoint, app: Socket): Promise<TLSSocket> => {
    const credentials = identity.credentials();
    if (!credentials) throw new ProxyError('TLS_HANDSHAKE', 'no mesh credentials yet');
    const peer = { address: endpoint.address, identity: endpoint.identity! };
    const socket = await connectMeshTls(peer, credentials, timeoutMs, OPAQUE_ALPN, metrics);
    // connectMeshTls's socket ends its writing side when the peer ends; a pipe must not.
    socket.allowHalfOpen = true;
    picker.opened(endpoint);
    socket.once('close', () => picker.closed(endpoint));
    if (app.destroyed) socket.destroy();
    return socket;
  };

  const accept = (service: string) => (app: Socket) => {
    open.add(app);
    metrics.trackConnection(app, loopbackLabels('outbound', 'src'));
    // Until the pipe takes over: an app that gives up while we dial must not crash the proxy.
    const early = (error: Error) => logger.debug({ err: error, service }, 'app connection failed');
    app.on('error', early);
    dial(service, app).then(
      (upstream) => {
        app.off('error', early);
        void pipeBothWays(app, upstream).then(({ error, failedSide }) => {
          if (error) {
            const side = failedSide === 'a' ? 'app' : 'peer';
            logger.debug({ err: error, service, side }, 'opaque connection failed');
          }
        });
      },
      (error: ProxyError) => {
        logger.warn(
          { service, code: error.code, reason: error.message },
          'opaque connection refused',
        );
        // A reset, not a FIN: the app must not take an empty stream for the service's answer.
        if (!app.destroyed) app.resetAndDestroy();
      },
    );
  };

  const servers: net.Server[] = [];
  const listeners: { service: string; address: AddressInfo }[] = [];
  try {
    for (const upstream of options.upstreams) {
      const server = net.createServer(
        { allowHalfOpen: true, noDelay: true },
        accept(upstream.service),
      );
      servers.push(server);
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(upstream.listen.port, upstream.listen.host, () => {
          server.off('error', reject);
          resolve();
        });
      });
      const address = server.address() as AddressInfo;
      listeners.push({ service: upstream.service, address });
      logger.info({ service: upstream.service, address }, 'outbound tcp listening');
    }
  } catch (error) {
    for (const server of servers) server.close();
    throw error;
  }
  return {
    listeners,
    close: async (graceMs = 5_000) => {
      for (const server of servers) server.close();
      await open.drain(graceMs);
    },
  };
}
