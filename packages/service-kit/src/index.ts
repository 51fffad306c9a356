/** @fusion/service-kit: what every service is built on. */
export type {
  Database,
  OpenDatabaseOptions,
  Queryable,
  QueryResult,
  QueryResultRow,
  SqlMigration,
} from './database/index.ts';
export { MigrationError, openDatabase, schemaNameFor } from './database/index.ts';
export type { RequestDeadline } from './deadline/index.ts';
export { currentDeadline, DEADLINE_HEADER, runWithDeadline } from './deadline/index.ts';
export type { ServiceEnv } from './env.ts';
export { EnvError, readServiceEnv } from './env.ts';
export type { KvSetOptions, KvStore } from './kv/index.ts';
export {
  KvClosedError,
  KvNotIntegerError,
  MemoryKvStore,
  openKvStore,
  RedisKvStore,
} from './kv/index.ts';
export type {
  MeshClient,
  MeshClientOptions,
  MeshErrorCode,
  MeshRequestInit,
  WhoamiHop,
} from './mesh/index.ts';
export {
  CLIENT_ID_HEADER,
  createMeshClient,
  DEFAULT_MESH_TIMEOUT_MS,
  MeshError,
  PROXY_ERROR_HEADER,
  UnknownServiceError,
  WHOAMI_PATH,
  whoamiRoute,
} from './mesh/index.ts';
export type {
  ReadinessCheck,
  ReadinessReport,
  ServiceApp,
  ServiceContext,
  ServiceOptions,
  ShutdownOptions,
} from './service/index.ts';
export {
  buildService,
  createService,
  installGracefulShutdown,
  runReadinessChecks,
  runService,
  UNMATCHED_ROUTE,
} from './service/index.ts';
export { currentSpanContext, runWithSpanContext } from './tracing/index.ts';
