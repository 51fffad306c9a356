/**
 * Test helpers for the destination service: a workload's mesh TLS material signed straight by
 * the test issuer (no identity service in between), an HTTP/2 session with it, unary calls,
 * and the Get and Watch streams read line by line. Shared by the destination tests and the
 * fan-out bench.
 */
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import type { SecureContextOptions } from 'node:tls';
import type { DestinationUpdate, PolicyUpdate, PolicyWatchRequest } from '@fusion/mesh-types';
import { GET_PATH, POLICY_WATCH_PATH } from '@fusion/mesh-types';
import {
  type CertifiedKey,
  generateKeyPair,
  privateKeyToPem,
  signLeaf,
  type WorkloadIdentity,
  x509,
} from '@fusion/pki';

/** Key and leaf + issuer chain for `identity`, and the anchors to verify the server with. */
export async function workloadTls(
  issuer: CertifiedKey,
  anchorsPem: string,
  identity: WorkloadIdentity,
): Promise<SecureContextOptions> {
  const keys = await generateKeyPair();
  const leaf = await signLeaf(issuer, {
    publicKey: await x509.PublicKey.create(keys.publicKey),
    identity,
    lifetimeMs: 3_600_000,
    clockSkewMs: 0,
    now: new Date(),
  });
  return {
    key: await privateKeyToPem(keys.privateKey),
    cert: `${leaf.cert.toString('pem').trim()}\n${issuer.certPem.trim()}\n`,
    ca: anchorsPem,
    minVersion: 'TLSv1.3',
  };
}

export function connectDestination(
  address: AddressInfo,
  tls: SecureContextOptions,
  serverName: string,
): http2.ClientHttp2Session {
  const session = http2.connect(`https://127.0.0.1:${address.port}`, {
    ...tls,
    servername: serverName,
  });
  session.on('error', () => {});
  return session;
}

export interface Reply {
  readonly status: number;
  readonly body: Record<string, unknown> & { error?: { code: string; message: string } };
}

export function callOver(
  session: http2.ClientHttp2Session,
  path: string,
  body: unknown,
  method = 'POST',
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const stream = session.request({
      ':method': method,
      ':path': path,
      'content-type': 'application/json',
    });
    let status = 0;
    let text = '';
    stream.setEncoding('utf8');
    stream.on('response', (headers) => {
      status = Number(headers[':status']);
    });
    stream.on('data', (chunk: string) => {
      text += chunk;
    });
    stream.on('end', () => resolve({ status, body: text ? JSON.parse(text) : {} }));
    stream.on('error', reject);
    if (method === 'GET') stream.end();
    else stream.end(typeof body === 'string' ? body : JSON.stringify(body));
  });
}

export interface TestWatch<T = DestinationUpdate> {
  readonly updates: T[];
  /** Resolves with the first update (already received or not) at index >= `from` passing `accept`. */
  next(accept?: (u: T) => boolean, from?: number): Promise<T>;
  /** Resolves when the server ends the stream. */
  readonly ended: Promise<void>;
  readonly status: Promise<number>;
  close(): void;
}

export function watchOver(session: http2.ClientHttp2Session, service: string): TestWatch {
  return streamOver<DestinationUpdate>(session, GET_PATH, { service });
}

/** The caller's own policy Watch (the server takes the service from the certificate). */
export function watchPolicyOver(
  session: http2.ClientHttp2Session,
  body: PolicyWatchRequest = {},
): TestWatch<PolicyUpdate> {
  return streamOver<PolicyUpdate>(session, POLICY_WATCH_PATH, body);
}

/** Any NDJSON stream of the destination API, read line by line. */
export function streamOver<T>(
  session: http2.ClientHttp2Session,
  path: string,
  body: unknown,
): TestWatch<T> {
  const stream = session.request({
    ':method': 'POST',
    ':path': path,
    'content-type': 'application/json',
  });
  const updates: T[] = [];
  const waiting: (() => void)[] = [];
  let buffered = '';
  stream.setEncoding('utf8');
  const status = new Promise<number>((resolve) =>
    stream.once('response', (headers) => resolve(Number(headers[':status']))),
  );
  stream.on('data', (chunk: string) => {
    buffered += chunk;
    let newline = buffered.indexOf('\n');
    while (newline !== -1) {
      updates.push(JSON.parse(buffered.slice(0, newline)));
      buffered = buffered.slice(newline + 1);
      newline = buffered.indexOf('\n');
    }
    for (const wake of waiting.splice(0)) wake();
  });
  const ended = new Promise<void>((resolve) => {
    stream.once('end', resolve);
    stream.once('close', resolve);
  });
  stream.on('error', () => {});
  stream.end(JSON.stringify(body));
  return {
    updates,
    status,
    ended,
    next(accept = () => true, from = 0) {
      return new Promise((resolve) => {
        const check = () => {
          const found = updates.slice(from).find(accept);
          if (found) resolve(found);
          else waiting.push(check);
        };
        check();
      });
    },
    close: () => stream.close(),
  };
}
