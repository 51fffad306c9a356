/**
 * The Certify endpoint: JSON over HTTP/2 with TLS 1.3 (HTTP/1.1 accepted for curl and
 * debugging). Clients present no certificate: a workload has none before its first Certify,
 * and the token is what authenticates it. This file only moves bytes; the decision is the
 * certifier's, the bookkeeping the metrics'.
 */
import http2 from 'node:http2';
import type { AddressInfo, Socket } from 'node:net';
import type { SecureContextOptions } from 'node:tls';
import type { CertifyRequest } from '@fusion/mesh-types';
import { CERTIFY_PATH } from '@fusion/mesh-types';
import type { Logger } from '@fusion/telemetry';
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
  const sockets = new Set<Socket>();
  const sessions = new Set<http2.ServerHttp2Session>();
  server.on('secureConnection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  server.on('session', (session) => {
    sessions.add(session);
    session.once('close', () => sessions.delete(session));
  });
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
    close: () =>
      new Promise<void>((resolve) => {
        if (!server.listening) return resolve();
        server.close(() => resolve());
        // GOAWAY lets in-flight streams finish and tells clients to reconnect elsewhere.
        for (const session of sessions) session.close();
        const cut = setTimeout(() => {
          for (const socket of sockets) socket.destroy();
        }, CLOSE_GRACE_MS);
        cut.unref();
      }),
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
    const request = parseJson(await readBody(req));
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

function readBody(req: Request): Promise<Buffer> {
  const tooLarge = () =>
    new CertifyRefusal('malformed-request', `request body exceeds ${MAX_BODY_BYTES} bytes`);
  if (Number(req.headers['content-length'] ?? 0) > MAX_BODY_BYTES) {
    return Promise.reject(tooLarge());
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) return void chunks.push(chunk);
      // Stop buffering but keep draining, so the refusal can still be written back.
      req.off('data', onData);
      req.resume();
      reject(tooLarge());
    };
    req.on('data', onData);
    req.once('end', () => resolve(Buffer.concat(chunks)));
    req.once('error', reject);
  });
}

function sendJson(res: Response, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}
