/**
 * One JSON POST to the identity service over HTTP/2 with TLS. The service is authenticated the
 * mesh way: its chain must lead to our trust anchors and its certificate must carry the
 * configured identity as a DNS SAN, whatever address we dialled. A connection per call: certify
 * runs once every few hours, so a pooled session would mostly sit idle holding a socket.
 */
import http2 from 'node:http2';
import { checkPeerIdentity, type PeerIdentityError } from '../credentials/index.ts';
import { CertifyError } from './errors.ts';

export interface IdentityServiceTarget {
  /** `host:port`. */
  readonly addr: string;
  /** The identity the service's certificate must name. */
  readonly serverName: string;
  readonly trustAnchorsPem: string;
  readonly timeoutMs: number;
  readonly signal?: AbortSignal;
}

export interface JsonReply {
  readonly status: number;
  readonly body: string;
}

/** A reply larger than this is not a certificate chain; stop reading rather than buffer it. */
const MAX_REPLY_CHARS = 1 << 20;

const NETWORK_ERRORS = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EPIPE',
]);

export function postJson(
  target: IdentityServiceTarget,
  path: string,
  payload: unknown,
): Promise<JsonReply> {
  return new Promise((resolve, reject) => {
    // Node reports a refused identity as a generic socket error; keep ours to explain it.
    let identityError: PeerIdentityError | undefined;
    let settled = false;
    const session = http2.connect(`https://${target.addr}`, {
      ca: target.trustAnchorsPem,
      servername: target.serverName,
      minVersion: 'TLSv1.3',
      checkServerIdentity: (_host, cert) => {
        identityError = checkPeerIdentity(target.serverName, cert);
        return identityError;
      },
    });
    const onAbort = () => finish(new CertifyError('aborted', 'certify aborted: client stopped'));
    const timer = setTimeout(
      () =>
        finish(
          new CertifyError(
            'timeout',
            `identity service at ${target.addr} did not answer within ${target.timeoutMs} ms`,
          ),
        ),
      target.timeoutMs,
    );
    const finish = (error: Error | undefined, reply?: JsonReply) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      target.signal?.removeEventListener('abort', onAbort);
      if (error) {
        session.destroy();
        reject(error);
      } else {
        session.close();
        resolve(reply!);
      }
    };
    if (target.signal?.aborted) return onAbort();
    target.signal?.addEventListener('abort', onAbort, { once: true });
    // Listeners stay attached after settling so a late socket error is never unhandled.
    session.on('error', (error) => finish(explain(target, error, identityError)));

    const stream = session.request({
      ':method': 'POST',
      ':path': path,
      'content-type': 'application/json',
    });
    let status = 0;
    let body = '';
    stream.setEncoding('utf8');
    stream.on('response', (headers) => {
      status = Number(headers[':status']);
    });
    stream.on('data', (chunk: string) => {
      body += chunk;
      if (body.length > MAX_REPLY_CHARS) {
        finish(
          new CertifyError(
            'bad-response',
            `identity service reply exceeds ${MAX_REPLY_CHARS} characters`,
          ),
        );
      }
    });
    stream.on('end', () => finish(undefined, { status, body }));
    stream.on('error', (error) => finish(explain(target, error, identityError)));
    stream.end(JSON.stringify(payload));
  });
}

function explain(
  target: IdentityServiceTarget,
  reported: Error & { code?: string },
  identityError: PeerIdentityError | undefined,
): CertifyError {
  // A failed handshake reaches the stream first, as a cancel whose cause is the real reason.
  const error: Error & { code?: string } =
    reported.code === 'ERR_HTTP2_STREAM_CANCEL' && reported.cause instanceof Error
      ? reported.cause
      : reported;
  if (identityError) {
    return new CertifyError(
      'server-identity-mismatch',
      `identity service at ${target.addr} presented identity ${
        identityError.presented.map((n) => `'${n}'`).join(', ') || '(none)'
      } but '${target.serverName}' was expected (LINKERD2_PROXY_IDENTITY_SVC_NAME)`,
      { cause: error },
    );
  }
  const code = error.code ?? '';
  if (NETWORK_ERRORS.has(code)) {
    return new CertifyError(
      'unreachable',
      `identity service at ${target.addr} is unreachable: ${error.message}`,
      { cause: error },
    );
  }
  if (/CERT|SIGNATURE|ISSUER|SELF_SIGNED/.test(code)) {
    return new CertifyError(
      'server-untrusted',
      `identity service at ${target.addr} presented a certificate that does not chain to the trust anchors (${code}: ${error.message})`,
      { cause: error },
    );
  }
  return new CertifyError(
    'unreachable',
    `identity service at ${target.addr} failed: ${code ? `${code}: ` : ''}${error.message}`,
    { cause: error },
  );
}
