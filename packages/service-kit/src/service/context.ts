/** What a service is built from (its options) and what its routes are given (its context). */
import type { Logger, Registry, SpanSink } from '@fusion/telemetry';
import type {
  FastifyInstance,
  RawReplyDefaultExpression,
  RawRequestDefaultExpression,
  RawServerDefault,
} from 'fastify';
import type { DestinationStream } from 'pino';
import type { Database, SqlMigration } from '../database/index.ts';
import type { RequestDeadline } from '../deadline/index.ts';
import type { ServiceEnv } from '../env.ts';
import type { KvStore } from '../kv/index.ts';
import type { MeshClient } from '../mesh/index.ts';

/** The Fastify app of a service; `request.log` is the service's pino logger. */
export type ServiceApp = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  Logger
>;

/** A readiness check passes by resolving and fails by throwing (or rejecting). */
export type ReadinessCheck = (ctx: ServiceContext) => unknown;

export interface ServiceOptions {
  /** The service's name, e.g. `identity`; must equal FUSION_SERVICE_NAME when that is set. */
  readonly name: string;
  readonly version: string;
  /** Declares that the service owns data: it gets a pool, its own schema and these migrations. */
  readonly database?: { readonly migrations: readonly SqlMigration[] };
  /**
   * Registers the service's routes. A route registered here directly on `app` (not inside
   * `app.register`) for GET /health, /ready, /metrics or /info replaces the built-in one.
   */
  readonly routes?: (app: ServiceApp, ctx: ServiceContext) => void | Promise<void>;
  /** Extra checks for GET /ready, by name; `database` and `kv` are built in. */
  readonly readinessChecks?: Readonly<Record<string, ReadinessCheck>>;
  /** Environment to read instead of process.env (tests). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Where log lines go instead of stdout (tests). */
  readonly logDestination?: DestinationStream;
  /**
   * Where finished spans go instead of OTEL_EXPORTER_OTLP_ENDPOINT's exporter (tests): with it,
   * the service records spans (sampled per FUSION_TRACE_SAMPLING) whatever the environment says.
   */
  readonly spanSink?: SpanSink;
}

/** Everything the kit set up, handed to `routes`. */
export interface ServiceContext {
  readonly name: string;
  readonly version: string;
  readonly env: ServiceEnv;
  readonly logger: Logger;
  /** The registry behind GET /metrics; add the service's own metrics here. */
  readonly metrics: Registry;
  readonly mesh: MeshClient;
  readonly kv: KvStore;
  /** Present exactly when the service declared a database. */
  readonly db: Database | undefined;
  /** `performance.now()` when the service was created, for uptime. */
  readonly startedAt: number;
  /**
   * The deadline of the request being handled (from its `fusion-timeout-ms`), or undefined; see
   * `currentDeadline`. Call it inside a handler: `ctx.currentDeadline()?.signal`.
   */
  readonly currentDeadline: () => RequestDeadline | undefined;
}
