/**
 * The certificate authority's decision, with no network: given a Certify request, either a
 * signed leaf or a CertifyRefusal. The checks run in a fixed order (shape, name, token, CSR,
 * issuer) so that a request with several problems is always refused for the same, first one;
 * the rules are Linkerd's (`pkg/identity/service.go`) plus our SPIFFE URI SAN.
 */
import type { CertifyRequest, CertifyResponse } from '@fusion/mesh-types';
import type { CryptoKey, CsrFacts, TokenError, WorkloadIdentity } from '@fusion/pki';
import { inspectCsr, parseIdentityName, signLeaf, verifyWorkloadToken } from '@fusion/pki';
import type { CurrentIssuer } from './issuer.ts';
import { CertifyRefusal } from './refusal.ts';

export interface CertifierOptions {
  /** The issuer to sign with right now; read per request so a hot reload applies at once. */
  readonly issuer: () => CurrentIssuer | undefined;
  /** Verifies workload tokens (the public half of the supervisor's token key). */
  readonly tokenKey: CryptoKey;
  readonly trustDomain: string;
  readonly lifetimeMs: number;
  readonly clockSkewMs: number;
  readonly now?: () => Date;
}

export interface Certified {
  readonly response: CertifyResponse;
  readonly serial: string;
  readonly identity: string;
  readonly notAfter: Date;
}

export interface Certifier {
  certify(request: CertifyRequest): Promise<Certified>;
}

const REQUIRED_KEY_TYPE = 'ECDSA P-256';
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

export function createCertifier(options: CertifierOptions): Certifier {
  const now = options.now ?? (() => new Date());
  return {
    async certify(request) {
      const at = now();
      const fields = readRequest(request);
      const identity = checkIdentity(fields.identity, options.trustDomain);
      await checkToken(options.tokenKey, fields.token, identity, at);
      const csr = await checkCsr(fields.csr, identity);
      const issuer = options.issuer();
      if (!issuer) {
        throw new CertifyRefusal('issuer-unavailable', 'no issuer is loaded yet; retry shortly');
      }
      // A leaf must not outlive the issuer that vouches for it: past that point no peer can
      // build its chain, and valid_until would promise what the chain cannot keep.
      const room = issuer.notAfter.getTime() - at.getTime() - options.clockSkewMs;
      if (room <= 0) {
        const expiry = issuer.notAfter.toISOString();
        throw new CertifyRefusal(
          'issuer-unavailable',
          `issuer '${issuer.subject}' expires at ${expiry}; rotate it`,
        );
      }
      const leaf = await signLeaf(issuer, {
        publicKey: csr.csr.publicKey,
        identity,
        lifetimeMs: Math.min(options.lifetimeMs, room),
        clockSkewMs: options.clockSkewMs,
        now: at,
      });
      return {
        response: {
          leaf_certificate: Buffer.from(leaf.der).toString('base64'),
          intermediate_certificates: [issuer.certBase64],
          valid_until: leaf.notAfter.toISOString(),
        },
        serial: leaf.serial,
        identity: identity.name,
        notAfter: leaf.notAfter,
      };
    },
  };
}

interface RequestFields {
  readonly identity: string;
  readonly token: string;
  readonly csr: Uint8Array;
}

function readRequest(request: unknown): RequestFields {
  if (typeof request !== 'object' || request === null || Array.isArray(request)) {
    throw new CertifyRefusal('malformed-request', 'request body must be a JSON object');
  }
  const body = request as Record<string, unknown>;
  const identity = body.identity;
  if (typeof identity !== 'string' || identity === '') {
    throw new CertifyRefusal('malformed-request', "field 'identity' must be a non-empty string");
  }
  const token = base64Field(body, 'token');
  const csr = base64Field(body, 'certificate_signing_request');
  return { identity, token: Buffer.from(token).toString('utf8'), csr };
}

function base64Field(body: Record<string, unknown>, name: string): Uint8Array {
  const value = body[name];
  if (typeof value !== 'string' || value === '') {
    throw new CertifyRefusal('malformed-request', `field '${name}' must be a non-empty string`);
  }
  // Buffer.from(…, 'base64') skips bad characters silently; a strict check keeps garbage out.
  if (value.length % 4 !== 0 || !BASE64.test(value)) {
    throw new CertifyRefusal('malformed-request', `field '${name}' is not valid base64`);
  }
  return new Uint8Array(Buffer.from(value, 'base64'));
}

function checkIdentity(name: string, trustDomain: string): WorkloadIdentity {
  const identity = parseIdentityName(name);
  if (!identity) {
    throw new CertifyRefusal(
      'identity-invalid',
      `identity '${name}' is not of the form <service>.<namespace>.serviceaccount.identity.<trust-domain>`,
    );
  }
  if (identity.trustDomain !== trustDomain) {
    throw new CertifyRefusal(
      'identity-invalid',
      `identity '${name}' is in trust domain '${identity.trustDomain}', not '${trustDomain}'`,
    );
  }
  return identity;
}

async function checkToken(
  key: CryptoKey,
  token: string,
  identity: WorkloadIdentity,
  at: Date,
): Promise<void> {
  let claimed: string;
  try {
    claimed = (await verifyWorkloadToken(key, token, { now: at })).identity;
  } catch (error) {
    const problem = error as TokenError;
    switch (problem.problem) {
      case 'bad-signature':
        throw new CertifyRefusal('token-bad-signature', problem.message);
      case 'expired':
        throw new CertifyRefusal('token-expired', problem.message);
      case 'wrong-audience':
        throw new CertifyRefusal('token-wrong-audience', problem.message);
      default:
        // not-yet-valid and wrong-issuer have no code of their own on the wire.
        throw new CertifyRefusal('token-malformed', problem.message);
    }
  }
  if (claimed !== identity.name) {
    throw new CertifyRefusal(
      'token-identity-mismatch',
      `token is for ${claimed}, not ${identity.name}`,
    );
  }
}

async function checkCsr(der: Uint8Array, identity: WorkloadIdentity): Promise<CsrFacts> {
  let facts: CsrFacts;
  try {
    facts = await inspectCsr(der);
  } catch (error) {
    throw new CertifyRefusal(
      'csr-malformed',
      `certificate_signing_request is not a DER PKCS#10 CSR: ${(error as Error).message}`,
    );
  }
  if (!facts.signatureValid) {
    throw new CertifyRefusal(
      'csr-bad-signature',
      'CSR signature does not verify with the public key it carries',
    );
  }
  if (facts.keyType !== REQUIRED_KEY_TYPE) {
    throw new CertifyRefusal(
      'csr-weak-key',
      `${facts.keyType} keys are not accepted; the mesh requires ${REQUIRED_KEY_TYPE}`,
    );
  }
  const problem = sanProblem(facts, identity);
  if (problem) throw new CertifyRefusal('csr-san-mismatch', problem);
  return facts;
}

/** Why the CSR's names are not exactly this identity's, or undefined when they are. */
function sanProblem(facts: CsrFacts, identity: WorkloadIdentity): string | undefined {
  const wanted = `it must name only DNS:${identity.name} (and optionally URI:${identity.spiffeId})`;
  const [other] = facts.otherSans;
  if (other !== undefined) return `CSR has an unexpected SAN ${other}; ${wanted}`;
  const strangerDns = facts.dnsNames.find((name) => name !== identity.name);
  if (strangerDns !== undefined) return `CSR has an unexpected SAN DNS:${strangerDns}; ${wanted}`;
  if (facts.dnsNames.length === 0) return `CSR has no DNS SAN; ${wanted}`;
  if (facts.dnsNames.length > 1) return `CSR repeats DNS:${identity.name}; ${wanted}`;
  const strangerUri = facts.uris.find((uri) => uri !== identity.spiffeId);
  if (strangerUri !== undefined) return `CSR has an unexpected SAN URI:${strangerUri}; ${wanted}`;
  if (facts.uris.length > 1) return `CSR repeats URI:${identity.spiffeId}; ${wanted}`;
  if (
    facts.commonName !== undefined &&
    facts.commonName !== '' &&
    facts.commonName !== identity.name
  ) {
    return `CSR common name '${facts.commonName}' is not ${identity.name} (leave it empty or equal)`;
  }
  return undefined;
}
