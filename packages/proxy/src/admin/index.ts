/** The sidecar's admin server: probes, metrics, log level, shutdown and what it holds now. */
export { isLoopback } from './respond.ts';
export type { AdminRouteOptions, Readiness } from './routes.ts';
export type { AdminOptions, AdminServer } from './server.ts';
export { startAdmin } from './server.ts';
