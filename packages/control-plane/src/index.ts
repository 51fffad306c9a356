/**
 * @fusion/control-plane: the mesh's control plane. Today the identity service (the CA) and the
 * admin listener; destination and the public API join as components beside identity.
 */
export type { AdminServer, AdminServerOptions } from './admin/index.ts';
export { createAdminServer } from './admin/index.ts';
export type { Component, Readiness } from './component.ts';
export { overallReadiness } from './component.ts';
export type { ControlPlaneEnv, ListenAddress } from './env.ts';
export { EnvError, parseListenAddress, readControlPlaneEnv } from './env.ts';
export type {
  Certified,
  Certifier,
  CertifierOptions,
  CurrentIssuer,
  IdentityComponent,
  IdentityMetrics,
  IdentityOptions,
  IssuerLoad,
  IssuerStoreOptions,
  OwnCertificate,
  ServerTls,
} from './identity/index.ts';
export {
  CERTIFY_REFUSAL_CODES,
  CertifyRefusal,
  createCertifier,
  createIdentityMetrics,
  IssuerLoadError,
  IssuerStore,
  loadIssuer,
  loadTokenKey,
  PKI_FILES,
  startIdentity,
} from './identity/index.ts';
