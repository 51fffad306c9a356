/**
 * Test helpers: a throwaway PKI directory laid out as `fusion identity init` writes it, Certify
 * requests from a fresh workload key, a Certify client over HTTP/2, and a logger whose lines
 * the test can read. Shared by the identity tests, main's test and the certify-rate script.
 */
import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CertifyRequest, CertifyResponse } from '@fusion/mesh-types';
import { CERTIFY_PATH } from '@fusion/mesh-types';
import type { CertifiedKey, CryptoKeyPair, WorkloadIdentity } from '@fusion/pki';
import {
  createCsr,
  createIssuer,
  createTrustAnchor,
  generateKeyPair,
  mintWorkloadToken,
  privateKeyToPem,
  publicKeyToPem,
  workloadIdentity,
  x509,
} from '@fusion/pki';
import { createLogger, type Logger } from '@fusion/telemetry';
import type { CurrentIssuer } from './issuer.ts';
import { PKI_FILES } from './issuer.ts';

export const TEST_TRUST_DOMAIN = 'mesh.test';
export const HOUR_MS = 60 * 60 * 1000;

export interface TestPki {
  readonly dir: string;
  readonly trustDomain: string;
  readonly anchor: CertifiedKey;
  readonly issuer: CertifiedKey;
  readonly tokenKeys: CryptoKeyPair;
  /** Another issuer under the same anchor (not installed). */
  newIssuer(commonName: string): Promise<CertifiedKey>;
  /** Writes the key, then the certificate, each via temp file + rename: the CLI's order. */
  install(cert: CertifiedKey, key?: CertifiedKey): Promise<void>;
  /** A valid token for `identity`, base64 as the wire carries it. */
  token(identity: WorkloadIdentity, options?: { now?: Date; ttlMs?: number }): Promise<string>;
  identity(service: string): WorkloadIdentity;
  remove(): Promise<void>;
}

export async function createTestPki(trustDomain = TEST_TRUST_DOMAIN): Promise<TestPki> {
  const dir = await mkdtemp(join(tmpdir(), 'fusion-pki-'));
  const anchor = await createTrustAnchor({ commonName: `root.${trustDomain}` });
  const issuer = await createIssuer(anchor, { commonName: `identity.${trustDomain}` });
  const tokenKeys = await generateKeyPair();
  await writeAtomically(join(dir, PKI_FILES.anchors), anchor.certPem);
  await writeAtomically(join(dir, 'ca.key'), anchor.keyPem, 0o600);
  await writeAtomically(join(dir, 'token.key'), await privateKeyToPem(tokenKeys.privateKey), 0o600);
  await writeAtomically(
    join(dir, PKI_FILES.tokenPublicKey),
    await publicKeyToPem(tokenKeys.publicKey),
  );
  const pki: TestPki = {
    dir,
    trustDomain,
    anchor,
    issuer,
    tokenKeys,
    newIssuer: (commonName) => createIssuer(anchor, { commonName }),
    async install(cert, key = cert) {
      await writeAtomically(join(dir, PKI_FILES.issuerKey), key.keyPem, 0o600);
      await writeAtomically(join(dir, PKI_FILES.issuerCert), cert.certPem);
    },
    async token(identity, options = {}) {
      const token = await mintWorkloadToken(tokenKeys.privateKey, {
        identity: identity.name,
        ttlMs: options.ttlMs ?? HOUR_MS,
        ...(options.now ? { now: options.now } : {}),
      });
      return base64(token);
    },
    identity: (service) => workloadIdentity(service, 'default', trustDomain),
    remove: () => rm(dir, { recursive: true, force: true }),
  };
  await pki.install(issuer);
  return pki;
}

export async function writeAtomically(path: string, text: string, mode = 0o644): Promise<void> {
  const temp = `${path}.${randomBytes(4).toString('hex')}.tmp`;
  await writeFile(temp, text, { mode });
  await chmod(temp, mode);
  await rename(temp, path);
}

/** The issuer as the store would hold it, without a directory. */
export function currentIssuerOf(issuer: CertifiedKey, anchorsPem: string): CurrentIssuer {
  return {
    cert: issuer.cert,
    key: issuer.key,
    certPem: issuer.certPem,
    certBase64: Buffer.from(issuer.cert.rawData).toString('base64'),
    anchorsPem,
    subject: issuer.cert.subject,
    serial: issuer.cert.serialNumber,
    notAfter: issuer.cert.notAfter,
    digest: issuer.cert.serialNumber,
  };
}

/** What a proxy sends on start: a fresh P-256 key, a CSR for its identity, its token. */
export async function workloadRequest(
  pki: TestPki,
  service: string,
): Promise<{ request: CertifyRequest; keys: CryptoKeyPair; identity: WorkloadIdentity }> {
  const identity = pki.identity(service);
  const keys = await generateKeyPair();
  const csr = await createCsr(keys, identity);
  return {
    keys,
    identity,
    request: {
      identity: identity.name,
      token: await pki.token(identity),
      certificate_signing_request: base64(csr),
    },
  };
}

/** A CSR with whatever names and key the test wants; `signingAlgorithm` must fit the key. */
export async function customCsr(options: {
  keys: CryptoKeyPair;
  commonName?: string;
  sans: { type: 'dns' | 'url' | 'ip' | 'email'; value: string }[];
  signingAlgorithm?: { name: string; hash?: string };
}): Promise<Uint8Array> {
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    ...(options.commonName !== undefined ? { name: `CN=${options.commonName}` } : {}),
    keys: options.keys,
    signingAlgorithm: options.signingAlgorithm ?? { name: 'ECDSA', hash: 'SHA-256' },
    extensions: [new x509.SubjectAlternativeNameExtension(options.sans)],
  });
  return new Uint8Array(csr.rawData);
}

export function base64(data: string | Uint8Array): string {
  return Buffer.from(data).toString('base64');
}

/** A logger that keeps its lines (parsed) for the test to read. */
export function captureLogger(): { logger: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger({
    service: 'control-plane-test',
    level: 'debug',
    destination: { write: (line: string) => void lines.push(JSON.parse(line)) },
  });
  return { logger, lines };
}

/** An HTTP/2 session to the identity service, trusting only the test anchors. */
export function connectIdentity(
  address: AddressInfo,
  anchorsPem: string,
  serverName: string,
): http2.ClientHttp2Session {
  return http2.connect(`https://127.0.0.1:${address.port}`, {
    ca: anchorsPem,
    servername: serverName,
  });
}

export interface CertifyReply {
  readonly status: number;
  readonly body: CertifyResponse & { error?: { code: string; message: string } };
}

export function certifyOver(
  session: http2.ClientHttp2Session,
  body: unknown,
  options: { method?: string; path?: string } = {},
): Promise<CertifyReply> {
  return new Promise((resolve, reject) => {
    const stream = session.request({
      ':method': options.method ?? 'POST',
      ':path': options.path ?? CERTIFY_PATH,
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
    stream.end(typeof body === 'string' ? body : JSON.stringify(body));
  });
}

/** Resolves with the first value `subscribe` delivers that passes `accept`. */
export function nextEvent<T>(
  subscribe: (listener: (value: T) => void) => () => void,
  accept: (value: T) => boolean = () => true,
): Promise<T> {
  return new Promise((resolve) => {
    const unsubscribe = subscribe((value) => {
      if (!accept(value)) return;
      unsubscribe();
      resolve(value);
    });
  });
}

/** Whether `cert` carries a valid signature by `key` (the issuer's public key). */
export function signedBy(
  cert: x509.X509Certificate,
  issuer: x509.X509Certificate,
): Promise<boolean> {
  return cert.verify({ publicKey: issuer.publicKey, signatureOnly: true });
}
