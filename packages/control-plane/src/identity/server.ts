/**
 * The Certify endpoint: JSON over HTTP/2 with TLS 1.3 (HTTP/1.1 accepted for curl and
 * debugging). Clients present no certificate: a workload has none before its first Certify,
 * and the token is what authenticates it. This file only moves bytes; the decision is the
 * certifier's, the bookkeeping the metrics'.
 */
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import type { SecureContextOptions } from 'node:tls';
import type { CertifyRequest } from '@fusion/mesh-types';
import { CERTIFY_PATH } from '@fusion/mesh-types';
import type { Logger } from '@fusion/telemetry';
import { gracefulClose } from '../graceful-close.ts';
import { readBody, sendJson } from '../http-json.ts';
import { listenOn } from '../listen.ts';
import type { Certifier } from './certifier.ts';
import type { IdentityMetrics } from './metrics.ts';
import { CertifyRefusal } from './refusal.ts';

/** A CSR and a token are a few hundred bytes each; anything near this is not a Certify call. */
export const MAX_BODY_BYTES = 64 * 1024;
/** How long open connections get to finish at close before they are cut. */
const CLOSE_GRACE_MS = 2000;

export interface IdentityServerOptions {
  readonly certifier: Certifier;
  readonly metrics: IdentityMetrics;
  readonly tls: SecureContextOptions;
  readonly logger: Logger;
}

export interface IdentityServer {
  listen(host: string, port: number): Promise<AddressInfo>;
  /** The bound address once listening. */
  address(): AddressInfo | undefined;
  /** New handshakes use `tls`; connections already open keep theirs. */
  setTls(tls: SecureContextOptions): void;
  close(): Promise<void>;
}

type Request = http2.Http2ServerRequest;
type Response = http2.Http2ServerResponse;

export function createIdentityServer(options: IdentityServerOptions): IdentityServer {
  const { logger } = options;
  const server = http2.createSecureServer({ ...options.tls, allowHTTP1: true });
  const closeGracefully = gracefulClose(server);
  // Scanners and clients without the anchors fail here; that is theirs to fix, not an error of ours.
  server.on('tlsClientError', (error) => logger.debug({ err: error }, 'TLS handshake failed'));
  server.on('request', (req: Request, res: Response) => {
    handle(options, req, res).catch((error: unknown) => {
      logger.error({ err: error }, 'identity request handling failed');
      if (!res.headersSent) sendJson(res, 500, { error: { message: 'internal error' } });
    });
  });

  return {
    listen: (host, port) => listenOn(server, host, port),
    address: () => (server.listening ? (server.address() as AddressInfo) : undefined),
    setTls: (tls) => server.setSecureContext(tls),
    // GOAWAY lets in-flight streams finish and tells clients to reconnect elsewhere.
    close: () => closeGracefully(CLOSE_GRACE_MS),
  };
}

async function handle(options: IdentityServerOptions, req: Request, res: Response): Promise<void> {
  const path = (req.url ?? '').split('?')[0];
  if (path !== CERTIFY_PATH) {
    return sendJson(res, 404, { error: { message: `no such path; POST ${CERTIFY_PATH}` } });
  }
  if (req.method !== 'POST') {
    res.setHeader('allow', 'POST');
    return sendJson(res, 405, { error: { message: `${req.method} not allowed; use POST` } });
  }
  const started = performance.now();
  let identity: string | undefined;
  try {
    const request = parseJson(await readRequest(req));
    identity = identityOf(request);
    // The certifier checks the shape itself and refuses with a precise message.
    const certified = await options.certifier.certify(request as CertifyRequest);
    options.metrics.issued(certified, (performance.now() - started) / 1000);
    sendJson(res, 200, certified.response);
  } catch (error) {
    const refusal = asRefusal(error, options.logger);
    options.metrics.refused(refusal, identity, (performance.now() - started) / 1000);
    sendJson(res, refusal.status, refusal.toBody());
  }
}

function asRefusal(error: unknown, logger: Logger): CertifyRefusal {
  if (error instanceof CertifyRefusal) return error;
  // Our own failure (signing, key import): the client should retry, as when no issuer is loaded.
  logger.error({ err: error }, 'certify failed unexpectedly');
  return new CertifyRefusal('issuer-unavailable', 'the identity service could not sign; retry');
}

function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch (error) {
    throw new CertifyRefusal(
      'malformed-request',
      `request body is not JSON: ${(error as Error).message}`,
    );
  }
}

function identityOf(request: unknown): string | undefined {
  const identity = (request as { identity?: unknown } | null)?.identity;
  return typeof identity === 'string' ? identity.slice(0, 256) : undefined;
}

function readRequest(req: Request): Promise<Buffer> {
  return readBody(
    req,
    MAX_BODY_BYTES,
    () => new CertifyRefusal('malformed-request', `request body exceeds ${MAX_BODY_BYTES} bytes`),
  );
}
