/**
 * Workload tokens: what proves to the identity service which service a workload is. A signed
 * JWT (ES256) naming the workload's identity, bound to the identity service's audience, with an
 * expiry — the role Kubernetes' projected ServiceAccount token plays for Linkerd. Locally the
 * supervisor mints one per workload; elsewhere `fusion identity token` writes one to a file.
 */
import { errors, jwtVerify, SignJWT } from 'jose';
import { fromPem } from './pem.ts';
import type { CryptoKey } from './provider.ts';
import { EC_KEY_ALGORITHM, subtle } from './provider.ts';

/** Audience of workload tokens (Linkerd uses `identity.l5d.io`). */
export const TOKEN_AUDIENCE = 'identity.fusion.mesh';
export const TOKEN_ISSUER = 'fusion-control-plane';

export type TokenProblem =
  | 'malformed'
  | 'bad-signature'
  | 'expired'
  | 'not-yet-valid'
  | 'wrong-audience'
  | 'wrong-issuer';

export class TokenError extends Error {
  readonly problem: TokenProblem;
  constructor(problem: TokenProblem, message: string) {
    super(message);
    this.name = 'TokenError';
    this.problem = problem;
  }
}

export interface TokenClaims {
  /** The identity name the token vouches for. */
  readonly identity: string;
  readonly expiresAt: Date;
}

export async function mintWorkloadToken(
  signingKey: CryptoKey,
  options: { identity: string; ttlMs: number; now?: Date },
): Promise<string> {
  const issuedAt = Math.floor((options.now ?? new Date()).getTime() / 1000);
  return new SignJWT({})
    .setProtectedHeader({ alg: 'ES256', typ: 'JWT' })
    .setIssuer(TOKEN_ISSUER)
    .setAudience(TOKEN_AUDIENCE)
    .setSubject(options.identity)
    .setIssuedAt(issuedAt)
    .setExpirationTime(issuedAt + Math.ceil(options.ttlMs / 1000))
    .sign(signingKey);
}

/** The claims of a valid token; a TokenError naming the problem otherwise. */
export async function verifyWorkloadToken(
  verificationKey: CryptoKey,
  token: string,
  options: { now?: Date } = {},
): Promise<TokenClaims> {
  try {
    const { payload } = await jwtVerify(token.trim(), verificationKey, {
      audience: TOKEN_AUDIENCE,
      issuer: TOKEN_ISSUER,
      algorithms: ['ES256'],
      ...(options.now ? { currentDate: options.now } : {}),
    });
    if (typeof payload.sub !== 'string' || typeof payload.exp !== 'number') {
      throw new TokenError('malformed', 'token has no subject or expiry');
    }
    return { identity: payload.sub, expiresAt: new Date(payload.exp * 1000) };
  } catch (error) {
    throw asTokenError(error);
  }
}

export async function importTokenSigningKey(pem: string): Promise<CryptoKey> {
  return subtle.importKey('pkcs8', fromPem(pem, 'PRIVATE KEY'), EC_KEY_ALGORITHM, false, ['sign']);
}

export async function importTokenVerificationKey(pem: string): Promise<CryptoKey> {
  return subtle.importKey('spki', fromPem(pem, 'PUBLIC KEY'), EC_KEY_ALGORITHM, false, ['verify']);
}

function asTokenError(error: unknown): TokenError {
  if (error instanceof TokenError) return error;
  if (error instanceof errors.JWTExpired)
    return new TokenError('expired', `token expired: ${error.message}`);
  if (error instanceof errors.JWSSignatureVerificationFailed) {
    return new TokenError(
      'bad-signature',
      'token signature is not valid (not minted by this control plane)',
    );
  }
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === 'aud')
      return new TokenError('wrong-audience', `token audience is not '${TOKEN_AUDIENCE}'`);
    if (error.claim === 'iss')
      return new TokenError('wrong-issuer', `token issuer is not '${TOKEN_ISSUER}'`);
    if (error.claim === 'nbf' || error.claim === 'iat')
      return new TokenError('not-yet-valid', `token is not valid yet: ${error.message}`);
    return new TokenError('malformed', `token claim '${error.claim}' is invalid: ${error.message}`);
  }
  return new TokenError('malformed', `token is malformed: ${(error as Error).message}`);
}
