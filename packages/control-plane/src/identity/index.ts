/** The identity service: the mesh's certificate authority (Linkerd's `identity` controller). */
export type { Certified, Certifier, CertifierOptions } from './certifier.ts';
export { createCertifier } from './certifier.ts';
export type { CurrentIssuer, IssuerLoad } from './issuer.ts';
export { loadIssuer, loadTokenKey, PKI_FILES } from './issuer.ts';
export type { IssuerStoreOptions } from './issuer-store.ts';
export { IssuerLoadError, IssuerStore } from './issuer-store.ts';
export type { IdentityMetrics } from './metrics.ts';
export { createIdentityMetrics } from './metrics.ts';
export type { OwnCertificate, OwnCertificateOptions, ServerTls } from './own-certificate.ts';
export { createOwnCertificate } from './own-certificate.ts';
export { CERTIFY_REFUSAL_CODES, CertifyRefusal } from './refusal.ts';
export type { IdentityServer, IdentityServerOptions } from './server.ts';
export { createIdentityServer, MAX_BODY_BYTES } from './server.ts';
export type { IdentityComponent, IdentityOptions } from './start.ts';
export { startIdentity } from './start.ts';
