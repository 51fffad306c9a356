/** Building and running a service: createService, runService, graceful shutdown. */
export type {
  ReadinessCheck,
  ServiceApp,
  ServiceContext,
  ServiceOptions,
} from './context.ts';
export { buildService, createService } from './create-service.ts';
export { UNMATCHED_ROUTE } from './http-metrics.ts';
export type { ReadinessReport } from './readiness.ts';
export { READINESS_CHECK_TIMEOUT_MS, runReadinessChecks } from './readiness.ts';
export { runService } from './run-service.ts';
export type { ShutdownOptions } from './shutdown.ts';
export { installGracefulShutdown } from './shutdown.ts';
