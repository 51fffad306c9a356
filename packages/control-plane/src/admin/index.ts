/** The control plane's admin listener: liveness, readiness and metrics. */
export type { AdminServer, AdminServerOptions } from './server.ts';
export { createAdminServer } from './server.ts';
