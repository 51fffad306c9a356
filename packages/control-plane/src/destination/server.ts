/**
 * The destination API over HTTP/2 with TLS 1.3 (HTTP/1.1 too, for curl): Register, Heartbeat
 * and Deregister as one JSON call each, Get (a service's endpoints) and Watch (the caller's own
 * policy) as long-lived streams of JSON lines. The handshake
 * asks every client for its mesh certificate; `callerOf` decides who it is, the registry what
 * it may do, and this file only moves bytes between them.
 */
import http2 from 'node:http2';
import type { AddressInfo, Socket } from 'node:net';
import type { SecureContextOptions } from 'node:tls';
import {
  DEREGISTER_PATH,
  type DeregisterResponse,
  GET_PATH,
  HEARTBEAT_PATH,
  type LeaseResponse,
  POLICY_WATCH_PATH,
  REGISTER_PATH,
} from '@fusion/mesh-types';
import type { WorkloadIdentity } from '@fusion/pki';
import type { Logger } from '@fusion/telemetry';
import { gracefulClose } from '../graceful-close.ts';
import { readBody, sendJson } from '../http-json.ts';
import { listenOn } from '../listen.ts';
import { type CallerSocket, callerOf } from './caller.ts';
import type { DestinationMetrics } from './metrics.ts';
import { NO_POLICIES, type PolicyFeed, watchPolicy } from './policy-watch.ts';
import { DestinationRefusal } from './refusal.ts';
import type { EndpointRegistry, Lease } from './registry.ts';
import { parseGet, parseJson, parseLeaseId, parsePolicyWatch, parseRegister } from './requests.ts';
import { openPushStream, openWatchStream, type WatchStream } from './watch-stream.ts';

/** A registration is a few hundred bytes; anything near this is not one. */
export const MAX_BODY_BYTES = 16 * 1024;
/** How long connections get to finish at close before they are cut. */
const CLOSE_GRACE_MS = 2000;

export interface DestinationServerOptions {
  readonly registry: EndpointRegistry;
  readonly metrics: DestinationMetrics;
  /** Key, chain and the trust anchors client certificates must chain to. */
  readonly tls: SecureContextOptions;
  readonly trustDomain: string;
  readonly logger: Logger;
  /** Where each caller's policy comes from; without one every service is unknown. */
  readonly policies?: PolicyFeed;
}

export interface DestinationServer {
  listen(host: string, port: number): Promise<AddressInfo>;
  address(): AddressInfo | undefined;
  /** Open policy Watch streams, for metrics. */
  policyWatchers(): number;
  /** New handshakes use `tls`; connections already open keep theirs. */
  setTls(tls: SecureContextOptions): void;
  /** Ends every Get stream, refuses new calls, then closes connections (GOAWAY). */
  close(): Promise<void>;
}

type Request = http2.Http2ServerRequest;
type Response = http2.Http2ServerResponse;
type Unary = (caller: WorkloadIdentity, body: Record<string, unknown>) => unknown;

export function createDestinationServer(options: DestinationServerOptions): DestinationServer {
  const { logger, registry } = options;
  const server = http2.createSecureServer({
    ...options.tls,
    allowHTTP1: true,
    requestCert: true,
    // Checked per call instead (callerOf), so a caller without a certificate is told why.
    rejectUnauthorized: false,
  });
  const closeGracefully = gracefulClose(server);
  const policies = options.policies ?? NO_POLICIES;
  const streams = new Set<WatchStream>();
  const policyStreams = new Set<WatchStream>();
  let closing = false;
  server.on('secureConnection', (socket: Socket) => {
    // Pushes are small and must not wait on the peer's delayed ACK.
    socket.setNoDelay(true);
  });
  server.on('tlsClientError', (error) => logger.debug({ err: error }, 'TLS handshake failed'));

  const unary: ReadonlyMap<string, Unary> = new Map<string, Unary>([
    [
      REGISTER_PATH,
      (caller, body) => leaseOf(registry.register({ caller, ...parseRegister(body) })),
    ],
    [HEARTBEAT_PATH, (caller, body) => leaseOf(registry.heartbeat(parseLeaseId(body), caller))],
    [
      DEREGISTER_PATH,
      (caller, body): DeregisterResponse => ({
        removed: registry.deregister(parseLeaseId(body), caller),
      }),
    ],
  ]);

  /** What a call got to before it was refused, for the audit line. */
  interface Progress {
    caller?: WorkloadIdentity;
    body?: Record<string, unknown>;
  }

  const handle = async (req: Request, res: Response, progress: Progress): Promise<void> => {
    const path = pathOf(req);
    const call = unary.get(path);
    if (!call && path !== GET_PATH && path !== POLICY_WATCH_PATH) {
      throw new DestinationRefusal('not-found', `no such path: ${path}`);
    }
    if (req.method !== 'POST') {
      res.setHeader('allow', 'POST');
      throw new DestinationRefusal('method-not-allowed', `${req.method} not allowed; use POST`);
    }
    if (closing) {
      throw new DestinationRefusal('shutting-down', 'the destination service is stopping');
    }
    const caller = callerOf(req.socket as CallerSocket, options.trustDomain);
    progress.caller = caller;
    const tooLarge = () =>
      new DestinationRefusal('malformed-request', `request body exceeds ${MAX_BODY_BYTES} bytes`);
    const body = parseJson(await readBody(req, MAX_BODY_BYTES, tooLarge));
    progress.body = body;
    if (call) return sendJson(res, 200, call(caller, body));
    if (path === POLICY_WATCH_PATH) return watchOwnPolicy(caller, body, res);
    const { service } = parseGet(body);
    if (streamGone(res)) return;
    const stream = openWatchStream(
      registry,
      service,
      res,
      () => options.metrics.pushed(1),
      (ended) => streams.delete(ended),
    );
    streams.add(stream);
  };

  /** The certificate decides whose policy: a proxy can only ever learn its own. */
  const watchOwnPolicy = (
    caller: WorkloadIdentity,
    body: Record<string, unknown>,
    res: Response,
  ): void => {
    const { service } = parsePolicyWatch(body);
    if (service !== undefined && service !== caller.service) {
      throw new DestinationRefusal(
        'service-identity-mismatch',
        `${caller.name} may watch only the policy of service '${caller.service}', not '${service}'`,
      );
    }
    if (streamGone(res)) return;
    logger.debug({ identity: caller.name, service: caller.service }, 'policy watch opened');
    const stream = openPushStream(
      res,
      watchPolicy(policies, caller.service),
      () => options.metrics.policyPushed(),
      (ended) => policyStreams.delete(ended),
    );
    policyStreams.add(stream);
  };

  server.on('request', (req: Request, res: Response) => {
    const progress: Progress = {};
    handle(req, res, progress).catch((error: unknown) => {
      const refusal = asRefusal(error, logger);
      const path = pathOf(req);
      const caller = progress.caller?.name ?? peerName(req);
      if (unary.has(path)) options.metrics.refused(refusal, caller, progress.body?.service);
      else {
        logger.info(
          { reason: refusal.code, path, identity: caller, message: refusal.message },
          'destination call refused',
        );
      }
      if (!res.headersSent) sendJson(res, refusal.status, refusal.toBody());
    });
  });

  return {
    listen: (host, port) => listenOn(server, host, port),
    address: () => (server.listening ? (server.address() as AddressInfo) : undefined),
    policyWatchers: () => policyStreams.size,
    setTls: (tls) => server.setSecureContext(tls),
    close: () => {
      closing = true;
      for (const stream of [...streams, ...policyStreams]) stream.end();
      return closeGracefully(CLOSE_GRACE_MS);
    },
  };
}

function pathOf(req: Request): string {
  return (req.url ?? '').split('?')[0] ?? '';
}

function leaseOf(lease: Lease): LeaseResponse {
  return { lease_id: lease.id, ttl_ms: lease.ttlMs, heartbeat_ms: lease.heartbeatMs };
}

function asRefusal(error: unknown, logger: Logger): DestinationRefusal {
  if (error instanceof DestinationRefusal) return error;
  logger.error({ err: error }, 'destination call failed unexpectedly');
  return new DestinationRefusal('shutting-down', 'the destination service failed; retry');
}

/** For the audit line of a refusal: whatever DNS SAN the caller presented, verified or not. */
function peerName(req: Request): string | undefined {
  const san = (req.socket as CallerSocket).getPeerCertificate?.()?.subjectaltname;
  return san
    ?.split(', ')
    .find((entry) => entry.startsWith('DNS:'))
    ?.slice('DNS:'.length);
}

function streamGone(res: Response): boolean {
  return 'stream' in res && res.stream ? res.stream.destroyed : Boolean(res.socket?.destroyed);
}
