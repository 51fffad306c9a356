/**
 * A stand-in for the control plane's identity service, speaking the real wire contract
 * (mesh-types' Certify API over HTTP/2 + TLS) with the real checks (token, CSR) and the real
 * signer, and with knobs the real one lacks: a short certificate lifetime, failing on demand,
 * and deliberately wrong answers, to test the client's defences. Every call is recorded.
 */
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import type { CertifyErrorBody, CertifyRefusalCode, CertifyRequest } from '@fusion/mesh-types';
import { CERTIFY_PATH, CERTIFY_REFUSAL_STATUS } from '@fusion/mesh-types';
import type { CertifiedKey } from '@fusion/pki';
import {
  createIssuer,
  createTrustAnchor,
  generateKeyPair,
  inspectCsr,
  parseIdentityName,
  signLeaf,
  TokenError,
  verifyWorkloadToken,
  x509,
} from '@fusion/pki';
import type { TestPki } from './test-pki.ts';

/** Wrong answers the client must refuse. */
export type Tampering = 'none' | 'other-key' | 'other-identity' | 'foreign-issuer';

export interface CertifyCall {
  readonly identity: string;
  readonly token: string;
  /** `issued` or the refusal code sent back. */
  readonly outcome: 'issued' | CertifyRefusalCode;
  readonly serial?: string;
}

export interface FakeIdentityServiceOptions {
  readonly pki: TestPki;
  /** The identity named by the service's own certificate (normally identityServerName). */
  readonly serverIdentity: string;
  /** Lifetime of issued leaves; default 1 h. */
  readonly lifetimeMs?: number;
  /** Serve with this key and chain instead of one issued by `pki` for `serverIdentity`. */
  readonly serverCredentials?: { keyPem: string; certChainPem: string };
}

export class FakeIdentityService {
  lifetimeMs: number;
  /** While true every call is refused with 503 issuer-unavailable. */
  failing = false;
  tampering: Tampering = 'none';
  readonly calls: CertifyCall[] = [];
  readonly #pki: TestPki;
  readonly #server: http2.Http2SecureServer;
  readonly #sessions = new Set<http2.ServerHttp2Session>();
  #foreignIssuer: CertifiedKey | undefined;

  constructor(
    options: FakeIdentityServiceOptions,
    credentials: { keyPem: string; certChainPem: string },
  ) {
    this.#pki = options.pki;
    this.lifetimeMs = options.lifetimeMs ?? 3_600_000;
    this.#server = http2.createSecureServer({
      key: credentials.keyPem,
      cert: credentials.certChainPem,
    });
    this.#server.on('session', (session) => {
      this.#sessions.add(session);
      session.on('close', () => this.#sessions.delete(session));
    });
    this.#server.on('stream', (stream, headers) => {
      let body = '';
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => {
        body += chunk;
      });
      stream.on('end', () => {
        this.#answer(headers[':path'], body).then(
          ({ status, reply }) => {
            if (stream.destroyed) return;
            stream.respond({ ':status': status, 'content-type': 'application/json' });
            stream.end(JSON.stringify(reply));
          },
          (error: Error) => stream.destroy(error),
        );
      });
    });
  }

  /** Number of Certify calls received (issued or refused). */
  get callCount(): number {
    return this.calls.length;
  }

  get port(): number {
    return (this.#server.address() as AddressInfo).port;
  }

  get addr(): string {
    return `127.0.0.1:${this.port}`;
  }

  listen(port = 0): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(port, '127.0.0.1', () => {
        this.#server.off('error', reject);
        resolve();
      });
    });
  }

  /** Stops listening and drops open sessions, like a crashed control plane. */
  close(): Promise<void> {
    for (const session of this.#sessions) session.destroy();
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }

  async #answer(
    path: string | undefined,
    body: string,
  ): Promise<{ status: number; reply: unknown }> {
    if (path !== CERTIFY_PATH) return refuse('malformed-request', `no such path ${path}`);
    const request = JSON.parse(body) as CertifyRequest;
    const token = Buffer.from(request.token, 'base64').toString('utf8');
    const record = (outcome: CertifyCall['outcome'], serial?: string) =>
      this.calls.push({
        identity: request.identity,
        token,
        outcome,
        ...(serial ? { serial } : {}),
      });
    if (this.failing) {
      record('issuer-unavailable');
      return refuse('issuer-unavailable', 'issuer is not ready (test: failing on demand)');
    }
    const refused = await this.#check(request, token);
    if (refused) {
      record(refused.code, undefined);
      return refuse(refused.code, refused.message);
    }
    const facts = await inspectCsr(
      new Uint8Array(Buffer.from(request.certificate_signing_request, 'base64')),
    );
    const issued = await this.#sign(request.identity, facts.csr.publicKey);
    record('issued', issued.leaf.serial);
    return {
      status: 200,
      reply: {
        leaf_certificate: Buffer.from(issued.leaf.der).toString('base64'),
        intermediate_certificates: [Buffer.from(issued.issuer.cert.rawData).toString('base64')],
        valid_until: issued.leaf.notAfter.toISOString(),
      },
    };
  }

  async #check(request: CertifyRequest, token: string) {
    try {
      const claims = await verifyWorkloadToken(this.#pki.tokenKeys.publicKey, token);
      if (claims.identity !== request.identity) {
        return {
          code: 'token-identity-mismatch' as const,
          message: `token is for '${claims.identity}'`,
        };
      }
    } catch (error) {
      const problem = error instanceof TokenError ? error.problem : 'malformed';
      const code: CertifyRefusalCode =
        problem === 'bad-signature' || problem === 'expired' || problem === 'wrong-audience'
          ? `token-${problem}`
          : 'token-malformed';
      return { code, message: (error as Error).message };
    }
    const facts = await inspectCsr(
      new Uint8Array(Buffer.from(request.certificate_signing_request, 'base64')),
    );
    if (!facts.signatureValid)
      return { code: 'csr-bad-signature' as const, message: 'bad CSR signature' };
    if (facts.dnsNames.length !== 1 || facts.dnsNames[0] !== request.identity) {
      return {
        code: 'csr-san-mismatch' as const,
        message: `CSR names ${facts.dnsNames.join(', ')}`,
      };
    }
    return undefined;
  }

  async #sign(identity: string, csrKey: x509.PublicKey) {
    const named =
      this.tampering === 'other-identity'
        ? 'intruder.default.serviceaccount.identity.cluster.local'
        : identity;
    const publicKey =
      this.tampering === 'other-key'
        ? await x509.PublicKey.create((await generateKeyPair()).publicKey)
        : csrKey;
    const issuer = this.tampering === 'foreign-issuer' ? await this.#foreign() : this.#pki.issuer;
    const leaf = await signLeaf(issuer, {
      publicKey,
      identity: parseIdentityName(named)!,
      lifetimeMs: this.lifetimeMs,
      clockSkewMs: 0,
    });
    return { leaf, issuer };
  }

  async #foreign(): Promise<CertifiedKey> {
    if (!this.#foreignIssuer) {
      const anchor = await createTrustAnchor({ commonName: 'root.elsewhere' });
      this.#foreignIssuer = await createIssuer(anchor, { commonName: 'identity.elsewhere' });
    }
    return this.#foreignIssuer;
  }
}

function refuse(
  code: CertifyRefusalCode,
  message: string,
): { status: number; reply: CertifyErrorBody } {
  return { status: CERTIFY_REFUSAL_STATUS[code], reply: { error: { code, message } } };
}

/** A fake identity service listening on 127.0.0.1 (`port` 0: any free port). */
export async function startFakeIdentityService(
  options: FakeIdentityServiceOptions,
  port = 0,
): Promise<FakeIdentityService> {
  const credentials =
    options.serverCredentials ?? (await options.pki.serverCredentials(options.serverIdentity));
  const service = new FakeIdentityService(options, credentials);
  await service.listen(port);
  return service;
}
