/**
 * The identity service's Certify API: the one definition both sides use. It mirrors Linkerd's
 * `identity.proto` (`io.linkerd.proxy.identity.Identity/Certify`, same field names) as JSON
 * over HTTP/2 with TLS; byte fields are base64 (see docs/decisions/0004-identity-wire-format.md).
 */

export const CERTIFY_PATH = '/io.linkerd.proxy.identity.Identity/Certify';

export interface CertifyRequest {
  /** The identity name asked for: `<service>.<namespace>.serviceaccount.identity.<trust-domain>`. */
  readonly identity: string;
  /** The workload token, base64 of its bytes (as proto `bytes token`). */
  readonly token: string;
  /** DER-encoded PKCS#10 CSR, base64. */
  readonly certificate_signing_request: string;
}

export interface CertifyResponse {
  /** DER-encoded leaf certificate, base64. */
  readonly leaf_certificate: string;
  /** DER-encoded issuer chain up to (not including) the trust anchor, base64, leaf's issuer first. */
  readonly intermediate_certificates: readonly string[];
  /** RFC 3339 time the leaf stops being valid. */
  readonly valid_until: string;
}

/**
 * Why a Certify call was refused. Stable: used as the `reason` label of
 * `identity_certify_refused_total` and in logs.
 */
export type CertifyRefusalCode =
  | 'malformed-request'
  | 'token-malformed'
  | 'token-bad-signature'
  | 'token-expired'
  | 'token-wrong-audience'
  | 'token-identity-mismatch'
  | 'identity-invalid'
  | 'csr-malformed'
  | 'csr-bad-signature'
  | 'csr-san-mismatch'
  | 'csr-weak-key'
  | 'issuer-unavailable';

/** Body of a refused call; HTTP status 400 (bad input), 403 (token) or 503 (issuer unavailable). */
export interface CertifyErrorBody {
  readonly error: { readonly code: CertifyRefusalCode; readonly message: string };
}

/** HTTP status for each refusal: bad input 400, not allowed 403, try later 503. */
export const CERTIFY_REFUSAL_STATUS: Readonly<Record<CertifyRefusalCode, number>> = {
  'malformed-request': 400,
  'token-malformed': 403,
  'token-bad-signature': 403,
  'token-expired': 403,
  'token-wrong-audience': 403,
  'token-identity-mismatch': 403,
  'identity-invalid': 400,
  'csr-malformed': 400,
  'csr-bad-signature': 400,
  'csr-san-mismatch': 400,
  'csr-weak-key': 400,
  'issuer-unavailable': 503,
};
