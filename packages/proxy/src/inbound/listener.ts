/**
 * The inbound port. One TCP listener in front of a TLS server (mesh traffic: HTTP/2 and
 * HTTP/1.1 over mTLS, by ALPN) and, when the policy lets callers from outside the mesh in, plain
 * HTTP/1.1 on the same port: a connection's first byte says which, 0x16 being
 * the start of a TLS handshake (Linkerd's protocol detection, in its simplest form).
 */
import { constants } from 'node:crypto';
import http2 from 'node:http2';
import net, { type AddressInfo, type Socket } from 'node:net';
import tls, { type TLSSocket } from 'node:tls';
import type { IdentityClient } from '@fusion/identity-client';
import { bindServerCredentials } from '@fusion/identity-client';
import type { Logger } from '@fusion/telemetry';
import { type H1ServerOptions, serveH1 } from '../h1/index.ts';
import type { HttpHandler } from '../http/message.ts';
import { serve } from '../http/serve.ts';
import type { TcpMetrics } from '../metrics/tcp-metrics.ts';
import { type Admission, isClusterAddress } from './admission.ts';
import { Connections } from './connections.ts';
import { acceptedLabels, factsOf, peerFacts } from './peer.ts';

export interface ListenerOptions {
  readonly listen: { readonly host: string; readonly port: number };
  /** Started: its credentials are the server's, swapped in place when they rotate. */
  readonly identity: IdentityClient;
  readonly admission: Admission;
  readonly logger: Logger;
  /** Linkerd's transport metrics for the connections accepted. */
  readonly transport?: TcpMetrics;
  /** The HTTP/1.1 engine's limits and timeouts (fusion.yaml `mesh.http1`). */
  readonly http1?: H1ServerOptions;
}

export interface Listener {
  readonly address: AddressInfo;
  /** Stops accepting, drains open connections, and resolves when the last one has closed. */
  close(): Promise<void>;
}

/** Linkerd's protocol detection timeout: a connection that says nothing is dropped after it. */
const DETECT_TIMEOUT_MS = 10_000;
/** The first byte of a TLS record carrying a handshake. */
const TLS_HANDSHAKE = 0x16;
/**
 * No session tickets: mesh clients never resume, and a resumed session would skip the client
 * certificate check. Part of every context, since setSecureContext replaces the whole context.
 */
const NO_TICKETS = { secureOptions: constants.SSL_OP_NO_TICKET };
/** A plain connection: no TLS, so no identity (factsOf's answer for it, without the lookup). */
const PLAIN_FACTS = { clientId: undefined, tls: false } as const;

export async function listen(handler: HttpHandler, options: ListenerOptions): Promise<Listener> {
  const { admission, identity, logger } = options;
  const credentials = identity.credentials();
  if (!credentials) {
    throw new Error(`no mesh credentials yet for ${identity.identity}: start the identity client`);
  }
  const connections = new Connections();
  // The TLS handshake is ours; ALPN then says which engine serves the connection: node:http2
  // for h2 (mesh traffic, gRPC), our own HTTP/1.1 engine otherwise (h1/).
  const tlsServer = tls.createServer({
    ...credentials.secureContextOptions(),
    ...NO_TICKETS,
    ALPNProtocols: ['h2', 'http/1.1'],
    requestCert: true,
    rejectUnauthorized: admission.requireIdentity,
    handshakeTimeout: DETECT_TIMEOUT_MS,
  });
  const unbind = bindServerCredentials(tlsServer, identity, NO_TICKETS);
  const h2 = http2.createServer(serve(handler, peerFacts()));
  connections.watch(h2);
  const { transport } = options;
  tlsServer.on('secureConnection', (socket: TLSSocket) => {
    // A TLS connection counts from its handshake, when its caller's identity is known.
    transport?.trackConnection(socket, acceptedLabels(socket));
    if (socket.alpnProtocol === 'h2') h2.emit('connection', socket);
    else connections.servedH1(socket, serveH1(socket, handler, factsOf(socket), options.http1));
  });
  // Node checks a client's chain after the handshake and just drops the connection when it
  // fails, so the reason is only here (and on the socket), not in an alert the client could see.
  tlsServer.on('tlsClientError', (error, socket) =>
    logger.debug(
      { err: error, remote: socket.remoteAddress, authorizationError: socket.authorizationError },
      'inbound TLS handshake failed',
    ),
  );
  // Callers from outside the mesh (the gateway's port) speak plain HTTP/1.1 to our own engine,
  // which refuses every ambiguous message before a byte of it is forwarded; upgrades
  // (WebSocket) go through the same handler there, then are piped (upgrade/).
  const plainServer = admission.acceptPlain
    ? (socket: Socket) =>
        connections.servedH1(
          socket,
          serveH1(
            socket,
            handler,
            { ...PLAIN_FACTS, peerAddress: socket.remoteAddress },
            options.http1,
          ),
        )
    : undefined;

  const front = net.createServer({ noDelay: true }, (socket) => {
    // Errors are the protocol servers' to handle; one here must not crash the process.
    socket.on('error', (error) => logger.debug({ err: error }, 'inbound connection failed'));
    if (admission.clusterOnly && !isClusterAddress(socket.remoteAddress)) {
      logger.info({ remote: socket.remoteAddress }, 'inbound connection from outside the cluster');
      socket.destroy();
      return;
    }
    connections.accepted(socket);
    if (!plainServer) {
      connections.handedOff(socket);
      tlsServer.emit('connection', socket);
      return;
    }
    const silent = () => socket.destroy();
    socket.setTimeout(DETECT_TIMEOUT_MS, silent);
    socket.once('data', (first: Buffer) => {
      socket.setTimeout(0);
      socket.off('timeout', silent);
      socket.pause();
      // Put the byte back: the TLS server reads what is buffered, the HTTP one once resumed.
      socket.unshift(first);
      const tls = first[0] === TLS_HANDSHAKE;
      connections.handedOff(socket);
      if (tls) tlsServer.emit('connection', socket);
      else {
        transport?.trackConnection(socket, acceptedLabels({ encrypted: false }));
        plainServer(socket);
        socket.resume();
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    front.once('error', (error) => {
      unbind();
      reject(error);
    });
    front.listen(options.listen.port, options.listen.host, () => {
      front.removeAllListeners('error');
      front.on('error', (error) => logger.error({ err: error }, 'inbound listener failed'));
      resolve();
    });
  });
  return {
    address: front.address() as AddressInfo,
    close: async () => {
      front.close();
      unbind();
      await connections.drain();
    },
  };
}
