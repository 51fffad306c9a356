/**
 * @fusion/control-plane: the mesh's control plane. The identity service (the CA), the
 * destination service (discovery and policy), the config source that follows fusion.yaml, the
 * public API, the embedded trace receiver, and the admin listener.
 */
export type { AdminServer, AdminServerOptions } from './admin/index.ts';
export { createAdminServer } from './admin/index.ts';
export type { ApiComponent, ApiOptions, IdentitiesSource } from './api/index.ts';
export { startApi } from './api/index.ts';
export type { Component, Readiness } from './component.ts';
export { overallReadiness } from './component.ts';
export type {
  ConfigRefusal,
  ConfigSnapshot,
  ConfigSourceOptions,
  ConfigVersion,
  Reload,
} from './config/index.ts';
export { ConfigSource } from './config/index.ts';
export type {
  DestinationComponent,
  DestinationOptions,
  EndpointRegistryOptions,
  HeldEndpoint,
  PolicyFeed,
} from './destination/index.ts';
export {
  DEFAULT_HEARTBEAT_MS,
  DEFAULT_TTL_MS,
  DestinationRefusal,
  EndpointRegistry,
  NO_POLICIES,
  startDestination,
} from './destination/index.ts';
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
export type {
  DropReason,
  StoredTrace,
  TraceQuery,
  TraceReceiverComponent,
  TraceReceiverOptions,
  TraceStoreLimits,
  TraceStoreStats,
} from './traces/index.ts';
export {
  DEFAULT_TRACE_LIMITS,
  parseTraceQuery,
  startTraceReceiver,
  TraceStore,
  toJaegerTrace,
} from './traces/index.ts';
