/** The proxy's identity settings, read from Linkerd's `LINKERD2_PROXY_IDENTITY_*` variables. */
export { parseEnvDuration } from './duration.ts';
export type { EnvProblem } from './env.ts';
export { IDENTITY_ENV, IdentityEnvError, readIdentityEnv } from './env.ts';
