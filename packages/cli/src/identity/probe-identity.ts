/**
 * Reaches the identity service the way a workload does: TLS 1.3 against the trust anchors,
 * requiring the service's own mesh identity, and reports its clock (the HTTP Date header)
 * for the clock-sanity check.
 */
import { type ClientHttp2Session, connect } from 'node:http2';
import type { PeerCertificate } from 'node:tls';

export interface IdentityProbe {
  /** Whole seconds the service's clock is ahead (+) or behind (−) ours. */
  readonly clockOffsetSeconds: number;
  /** The identity the service presented. */
  readonly presented: string;
}

export function probeIdentityService(
  address: string,
  expectedIdentity: string,
  anchorsPem: string,
  timeoutMs = 3_000,
): Promise<IdentityProbe> {
  return new Promise((resolve, reject) => {
    let presented = '';
    const session: ClientHttp2Session = connect(`https://${address}`, {
      ca: anchorsPem,
      minVersion: 'TLSv1.3',
      servername: expectedIdentity,
      checkServerIdentity: (_host: string, cert: PeerCertificate) => {
        presented = cert.subjectaltname ?? '';
        const names = presented
          .split(', ')
          .filter((n) => n.startsWith('DNS:'))
          .map((n) => n.slice(4));
        return names.includes(expectedIdentity)
          ? undefined
          : new Error(`it presented ${presented || 'no SAN'}, not ${expectedIdentity}`);
      },
    });
    const timer = setTimeout(() => {
      session.destroy();
      reject(new Error(`no answer within ${timeoutMs} ms`));
    }, timeoutMs);
    session.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    const sentAt = Date.now();
    // Any path will do: the answer's Date header is what the check wants.
    const request = session.request({ ':method': 'GET', ':path': '/' });
    request.once('response', (headers) => {
      clearTimeout(timer);
      const date = Date.parse(String(headers.date ?? ''));
      const midpoint = (sentAt + Date.now()) / 2;
      request.resume();
      session.close();
      if (Number.isNaN(date)) return reject(new Error('it sent no Date header'));
      resolve({ clockOffsetSeconds: Math.round((date - midpoint) / 1000), presented });
    });
    request.once('error', (error: Error & { cause?: Error }) => {
      clearTimeout(timer);
      session.destroy();
      // A refused connection surfaces as a cancelled stream; its cause is what explains it.
      reject(error.cause ?? error);
    });
    request.end();
  });
}
