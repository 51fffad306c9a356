/**
 * Builds a service: environment, logger, database, key-value store, mesh client and metrics,
 * then the Fastify app with the built-in routes and the service's own. Nothing listens yet;
 * `runService` does that, tests use `app.inject`.
 */
import { createLogger, type Logger, Registry, registerProcessMetrics } from '@fusion/telemetry';
import Fastify from 'fastify';
import { openDatabase } from '../database/index.ts';
import { currentDeadline } from '../deadline/index.ts';
import { EnvError, readServiceEnv } from '../env.ts';
import { openKvStore } from '../kv/index.ts';
import { createMeshClient } from '../mesh/index.ts';
import { openTracing } from '../tracing/index.ts';
import { registerBuiltinRoutes } from './builtin-routes.ts';
import type { ServiceApp, ServiceContext, ServiceOptions } from './context.ts';
import { closeConnectionsWhileDraining } from './drain.ts';
import { installHttpMetrics } from './http-metrics.ts';
import { followLogLevelFile } from './log-level.ts';
import { runHandlersWithinDeadlines } from './request-deadline.ts';
import { ServiceLogController } from './request-log.ts';
import { traceRequests } from './request-tracing.ts';

/** Builds the service's app; see `buildService` for the context as well. */
export async function createService(options: ServiceOptions): Promise<ServiceApp> {
  return (await buildService(options)).app;
}

/** Builds the app and returns the context its routes were given. */
export async function buildService(
  options: ServiceOptions,
): Promise<{ app: ServiceApp; ctx: ServiceContext }> {
  const startedAt = performance.now();
  const env = readServiceEnv(options.env);
  const name = options.name;
  if (env.serviceName !== undefined && env.serviceName !== name) {
    throw new EnvError(
      'FUSION_SERVICE_NAME',
      `FUSION_SERVICE_NAME="${env.serviceName}" does not match this program, which is service "${name}"`,
    );
  }
  if (options.database && env.databaseUrl === undefined) {
    throw new EnvError(
      'DATABASE_URL',
      `DATABASE_URL is not set (expected postgres://…): service "${name}" declares a database`,
    );
  }
  const logger = createLogger({
    service: name,
    level: env.logLevel,
    ...(options.logDestination && { destination: options.logDestination }),
  });
  // `fusion log-level` writes the file; the level changes without a restart.
  const stopFollowingLevel = env.logLevelFile
    ? followLogLevelFile(logger, env.logLevelFile)
    : undefined;

  // Opened one by one; on failure whatever was already open is closed again.
  const opened: (() => unknown)[] = [];
  try {
    const { tracer, flush } = openTracing({
      service: name,
      endpoint: env.otlpEndpoint,
      sampling: env.traceSampling,
      ...(options.spanSink && { sink: options.spanSink }),
    });
    // First opened, so closed last: the spans of the last requests are sent before exit.
    opened.push(flush);
    const db =
      options.database && env.databaseUrl !== undefined
        ? await openDatabase({
            url: env.databaseUrl,
            service: name,
            migrations: options.database.migrations,
            onError: (err) => logger.error({ err }, 'database connection error'),
            ...(tracer && { tracer }),
          })
        : undefined;
    if (db) {
      opened.push(() => db.close());
      logger.info(
        { schema: db.schema, applied: db.appliedMigrations, shared_session: db.sharedSession },
        'database ready',
      );
    }
    const kv = await openKvStore({
      service: name,
      redisUrl: env.redisUrl,
      onError: (err) => logger.warn({ err }, 'kv connection error'),
    });
    opened.push(() => kv.close());
    const mesh = createMeshClient({
      endpoints: env.meshEndpoints,
      dependencies: env.dependencies,
      ...(env.meshOutbound !== undefined && { outbound: env.meshOutbound }),
      ...(tracer && { tracer }),
    });
    opened.push(() => mesh.close());
    const metrics = new Registry();
    const processMetrics = registerProcessMetrics(metrics);
    opened.push(() => processMetrics.stop());

    const ctx: ServiceContext = {
      name,
      version: options.version,
      env,
      logger,
      metrics,
      mesh,
      kv,
      db,
      startedAt,
      currentDeadline,
    };
    const app: ServiceApp = Fastify({
      loggerInstance: logger,
      logController: new ServiceLogController(),
      // Idle keep-alive sockets would otherwise hold close() open until their timeout.
      forceCloseConnections: 'idle',
      // Honour an id set by the caller (the gateway, a sidecar) so one request keeps one id.
      requestIdHeader: 'x-request-id',
    });
    app.addHook('onClose', () => {
      stopFollowingLevel?.();
      return closeAll(opened, logger);
    });
    closeConnectionsWhileDraining(app);
    installHttpMetrics(app, metrics);
    runHandlersWithinDeadlines(app);
    traceRequests(app, tracer);
    await options.routes?.(app, ctx);
    registerBuiltinRoutes(app, ctx, options.readinessChecks);
    warnAboutMissingEndpoints(ctx);
    return { app, ctx };
  } catch (error) {
    stopFollowingLevel?.();
    await closeAll(opened, logger);
    throw error;
  }
}

/** Closes in reverse order of opening; one failure is logged and does not stop the rest. */
async function closeAll(opened: readonly (() => unknown)[], logger: Logger): Promise<void> {
  for (const close of [...opened].reverse()) {
    await Promise.resolve()
      .then(close)
      .catch((err: unknown) => logger.error({ err }, 'error while closing'));
  }
}

/** A declared dependency with no address can only be reached through the outbound proxy. */
function warnAboutMissingEndpoints(ctx: ServiceContext): void {
  if (ctx.env.meshOutbound !== undefined) return;
  const missing = ctx.env.dependencies.filter((dep) => !(dep in ctx.env.meshEndpoints));
  if (missing.length > 0) {
    ctx.logger.warn({ missing }, 'dependencies without an address in FUSION_MESH_ENDPOINTS');
  }
}
