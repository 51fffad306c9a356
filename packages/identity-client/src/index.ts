/**
 * @fusion/identity-client: a workload's mesh identity, obtained from the identity service and
 * renewed in memory on Linkerd's schedule, and the helpers that put it to work in TLS servers
 * and clients without dropping connections when it rotates. Private keys never touch the disk:
 * this package has no file-writing code at all (see no-disk.test.ts).
 */
export type { CertifyFailureCode, CertifyParams } from './certify/index.ts';
export { CertifyError, certify } from './certify/index.ts';
export type {
  IdentityClientEvents,
  IdentityClientOptions,
  RefreshBounds,
  RetryBackoff,
  RetryInfo,
} from './client/index.ts';
export {
  DEFAULT_MAX_REFRESH_MS,
  DEFAULT_MIN_REFRESH_MS,
  IdentityClient,
  REFRESH_FRACTION,
  refreshDelayMs,
  retryDelayMs,
} from './client/index.ts';
export type { Credentials } from './credentials/index.ts';
export { checkPeerIdentity, PeerIdentityError } from './credentials/index.ts';
export type { EnvProblem } from './env/index.ts';
export { IDENTITY_ENV, IdentityEnvError, parseEnvDuration, readIdentityEnv } from './env/index.ts';
export type { MeshAgentOptions } from './tls/index.ts';
export {
  bindServerCredentials,
  createMeshAgent,
  MeshAgent,
  meshServerIdentity,
  meshServerOptions,
  meshTlsOptions,
} from './tls/index.ts';
