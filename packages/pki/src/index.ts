/** Mesh PKI: trust anchor, issuer, workload certificates, CSRs, workload tokens, validation. */
export type { CaOptions, CertifiedKey, IssuedLeaf, LeafRequest } from './ca.ts';
export {
  certificateToPem,
  createIssuer,
  createTrustAnchor,
  DAY_MS,
  DEFAULT_CA_LIFETIME_MS,
  signLeaf,
} from './ca.ts';
export type { CsrFacts } from './csr.ts';
export { createCsr, inspectCsr } from './csr.ts';
export {
  generateKeyPair,
  privateKeyFromPem,
  privateKeyToPem,
  publicKeyOf,
  publicKeyToPem,
} from './keys.ts';
export type { WorkloadIdentity } from './names.ts';
export { CONTROL_PLANE_NAMESPACE, parseIdentityName, workloadIdentity } from './names.ts';
export { fromPem, fromPemAll, toPem } from './pem.ts';
export type { Algorithm, CryptoKey, CryptoKeyPair } from './provider.ts';
export { x509 } from './provider.ts';
export type { TokenClaims, TokenProblem } from './tokens.ts';
export {
  importTokenSigningKey,
  importTokenVerificationKey,
  mintWorkloadToken,
  TOKEN_AUDIENCE,
  TOKEN_ISSUER,
  TokenError,
  verifyWorkloadToken,
} from './tokens.ts';
export type { IssuerCheckInput, PkiProblem } from './validate.ts';
export { parseCertificates, signedByAny, validateIssuer } from './validate.ts';
