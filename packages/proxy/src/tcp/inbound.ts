/**
 * The inbound side for an opaque app (fusion.yaml `protocol: tcp`: a database, a broker): the
 * service's port is a TLS server that asks for a mesh client certificate, parses nothing past
 * the handshake, and pipes the bytes both ways to the app. Admission is the HTTP listener's, from
 * the same default policy: `all-authenticated` and `cluster-authenticated` need a certificate
 * (the handshake fails without one), `cluster-*` takes cluster addresses only, `deny` refuses
 * every connection; the unauthenticated policies also take plain TCP, told apart from TLS by
 * the first byte, as on the HTTP port.
 *
 * The server offers only the opaque ALPN, so a proxy that came to speak HTTP/2 here is refused
 * in the handshake instead of having its frames piped into the app; a client offering no ALPN
 * (a tool such as `openssl s_client` with a mesh certificate) is served.
 */
import { constants } from 'node:crypto';
import net, { type AddressInfo, type Socket } from 'node:net';
import tls, { type TLSSocket } from 'node:tls';
import type { IdentityClient } from '@fusion/identity-client';
import { bindServerCredentials } from '@fusion/identity-client';
import type { InboundAuthorization, InboundDefaultPolicy } from '@fusion/mesh-types';
import type { Logger, Registry } from '@fusion/telemetry';
import type { Audit } from '../audit/index.ts';
import { authzMetrics, decideConnection } from '../authz/index.ts';
import { asProxyError, ProxyError } from '../errors/proxy-error.ts';
import type { ConnectionFacts } from '../http/serve.ts';
import { admissionOf, isClusterAddress } from '../inbound/admission.ts';
import { acceptedLabels, factsOf } from '../inbound/peer.ts';
import { loopbackLabels, tcpMetrics } from '../metrics/tcp-metrics.ts';
import { OPAQUE_ALPN } from '../outbound/connect.ts';
import { OpenConnections } from './drain.ts';
import { pipeBothWays } from './pipe.ts';

export interface OpaqueInboundOptions {
  /** The service's published port. */
  readonly listen: { readonly host: string; readonly port: number };
  /** Where the app listens (a private loopback port). */
  readonly app: { readonly host: string; readonly port: number };
  /** Already started: `credentials()` is set. */
  readonly identity: IdentityClient;
  readonly defaultPolicy: InboundDefaultPolicy;
  readonly external?: boolean;
  readonly registry: Registry;
  readonly logger: Logger;
  /** `LINKERD2_PROXY_INBOUND_CONNECT_TIMEOUT`; default 100 ms. */
  readonly connectTimeoutMs?: number;
  /** fusion.yaml's `authorizationPolicies` for this service, as pushed now. */
  readonly authorization?: () => InboundAuthorization | undefined;
  readonly audit?: Audit;
}

export interface OpaqueInbound {
  readonly address: AddressInfo;
  /** Stops accepting; open connections get `graceMs` (default 5 s) to finish. */
  close(graceMs?: number): Promise<void>;
}

/** As the HTTP listener: a connection that says nothing for this long is dropped. */
const DETECT_TIMEOUT_MS = 10_000;
const TLS_HANDSHAKE = 0x16;
/** No session tickets: a resumed session would skip the client certificate check. */
const NO_TICKETS = { secureOptions: constants.SSL_OP_NO_TICKET };

export async function startOpaqueInbound(options: OpaqueInboundOptions): Promise<OpaqueInbound> {
  const { identity, logger } = options;
  const admission = admissionOf(options.defaultPolicy, options.external ?? false);
  const metrics = tcpMetrics(options.registry);
  const connectTimeoutMs = options.connectTimeoutMs ?? 100;
  const where = `${options.app.host}:${options.app.port}`;
  const credentials = identity.credentials();
  if (!credentials) {
    throw new Error(`no mesh credentials yet for ${identity.identity}: start the identity client`);
  }
  const open = new OpenConnections();
  const authz = authzMetrics(options.registry, 'tcp');
  const fallback: InboundAuthorization = { defaultPolicy: options.defaultPolicy, rules: [] };
  /** The pushed authorization decides each connection once its caller is known. */
  const authorized = (socket: Socket, caller: ConnectionFacts): boolean => {
    const current = options.authorization?.() ?? fallback;
    const decision = decideConnection(current, caller, options.external ?? false);
    const labels = [
      decision.by,
      caller.tls ? 'true' : 'no_identity',
      caller.clientId ?? '',
    ] as const;
    if (decision.allowed) {
      authz.allow.labels(...labels).inc();
      options.audit?.connection(caller, 'allow', decision.by);
      return true;
    }
    authz.deny.labels(...labels).inc();
    const reason = `${caller.clientId ?? 'an unauthenticated caller'} is not authorized by ${decision.by}`;
    options.audit?.connection(caller, 'deny', decision.by, reason);
    refuse(socket, 'UNAUTHORIZED', reason);
    return false;
  };
  const refuse = (socket: Socket, code: 'UNAUTHORIZED' | 'TLS_HANDSHAKE', why: string) => {
    metrics.countError('inbound', code);
    logger.info({ remote: socket.remoteAddress, code, reason: why }, 'opaque connection refused');
    socket.destroy();
  };

  /** The caller is admitted: a connection to the app, and the bytes piped between them. */
  const forward = (client: Socket) => {
    const app = net.connect({ ...options.app, allowHalfOpen: true, noDelay: true });
    metrics.trackConnection(app, loopbackLabels('inbound', 'dst'));
    const timer = setTimeout(() => {
      const reason = `no connection to the app at ${where} within ${connectTimeoutMs} ms`;
      app.destroy(new ProxyError('CONNECT_TIMEOUT', reason));
    }, connectTimeoutMs);
    let connected = false;
    app.once('connect', () => {
      connected = true;
      clearTimeout(timer);
    });
    void pipeBothWays(client, app).then(({ error, failedSide }) => {
      clearTimeout(timer);
      if (!error) return;
      if (failedSide === 'b' && !connected) {
        const failure = asProxyError(error);
        metrics.countError('inbound', failure.code);
        logger.info({ code: failure.code, reason: failure.message }, 'opaque app unreachable');
      } else {
        const side = failedSide === 'a' ? 'caller' : 'app';
        logger.debug({ err: error, side }, 'opaque connection failed');
      }
    });
  };

  const tlsServer = tls.createServer({
    ...credentials.secureContextOptions(),
    ...NO_TICKETS,
    requestCert: true,
    rejectUnauthorized: admission.requireIdentity,
    handshakeTimeout: DETECT_TIMEOUT_MS,
    allowHalfOpen: true,
    ALPNProtocols: [OPAQUE_ALPN],
  });
  const unbind = bindServerCredentials(tlsServer, identity, NO_TICKETS);
  tlsServer.on('secureConnection', (socket: TLSSocket) => {
    metrics.trackConnection(socket, acceptedLabels(socket));
    if (authorized(socket, factsOf(socket))) forward(socket);
  });
  // Node drops a connection whose handshake failed without telling the client why (a missing
  // certificate shows there as an alert at best): the reason is only here.
  tlsServer.on('tlsClientError', (error, socket) =>
    refuse(socket, 'TLS_HANDSHAKE', socket.authorizationError?.toString() ?? error.message),
  );

  const front = net.createServer({ noDelay: true, allowHalfOpen: true }, (socket) => {
    socket.on('error', (error) => logger.debug({ err: error }, 'opaque connection failed'));
    if (admission.denyAll) return refuse(socket, 'UNAUTHORIZED', `policy ${admission.policy}`);
    if (admission.clusterOnly && !isClusterAddress(socket.remoteAddress)) {
      return refuse(socket, 'UNAUTHORIZED', 'the caller is outside the cluster networks');
    }
    open.add(socket);
    if (!admission.acceptPlain) return void tlsServer.emit('connection', socket);
    socket.setTimeout(DETECT_TIMEOUT_MS, () => socket.destroy());
    socket.once('data', (first: Buffer) => {
      socket.setTimeout(0);
      socket.pause();
      socket.unshift(first);
      if (first[0] === TLS_HANDSHAKE) return void tlsServer.emit('connection', socket);
      metrics.trackConnection(socket, acceptedLabels({ encrypted: false }));
      const caller = { clientId: undefined, tls: false, peerAddress: socket.remoteAddress };
      if (authorized(socket, caller)) forward(socket);
    });
  });
  await new Promise<void>((resolve, reject) => {
    front.once('error', (error) => {
      unbind();
      reject(error);
    });
    front.listen(options.listen.port, options.listen.host, () => {
      front.removeAllListeners('error');
      front.on('error', (error) => logger.error({ err: error }, 'opaque listener failed'));
      resolve();
    });
  });
  const address = front.address() as AddressInfo;
  logger.info({ address, app: where, policy: admission.policy }, 'opaque inbound listening');
  return {
    address,
    close: async (graceMs = 5_000) => {
      front.close();
      unbind();
      await open.drain(graceMs);
    },
  };
}
