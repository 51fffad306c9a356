/**
 * The whole life of a service process: build, listen on HOST:PORT, drain on a signal. A start
 * that fails (bad environment, unreachable database, port taken) prints one fatal JSON line on
 * stderr saying why, and exits 1.
 */
import { createLogger, type Logger } from '@fusion/telemetry';
import { pino } from 'pino';
import { EnvError } from '../env.ts';
import type { ServiceApp, ServiceOptions } from './context.ts';
import { buildService } from './create-service.ts';
import { installGracefulShutdown } from './shutdown.ts';

export async function runService(options: ServiceOptions): Promise<ServiceApp> {
  let started: Awaited<ReturnType<typeof buildService>>;
  try {
    started = await buildService(options);
    const { app, ctx } = started;
    await app.listen({ host: ctx.env.host, port: ctx.env.port });
    ctx.logger.info(
      { version: ctx.version, dependencies: ctx.env.dependencies, pid: process.pid },
      'service started',
    );
  } catch (error) {
    return failStart(options.name, error);
  }
  const { app, ctx } = started;
  installGracefulShutdown({
    close: () => app.close(),
    logger: ctx.logger,
    timeoutMs: ctx.env.shutdownTimeoutMs,
  });
  installCrashHandlers(ctx.logger);
  return app;
}

function failStart(service: string, error: unknown): never {
  const stderr = createLogger({ service, destination: pino.destination({ dest: 2, sync: true }) });
  const err = error as Error & { code?: string };
  // A bad environment is fully described by its message; a stack would only bury it.
  const fields = error instanceof EnvError ? { code: err.code } : { code: err.code, err };
  stderr.fatal(fields, err.message || String(error));
  process.exit(1);
}

/** An error nobody caught leaves the process in an unknown state: log it as JSON, exit 1. */
function installCrashHandlers(logger: Logger): void {
  const crash = (err: unknown, what: string) => {
    logger.fatal({ err }, what);
    process.exit(1);
  };
  process.on('uncaughtException', (err) => crash(err, 'uncaught exception'));
  process.on('unhandledRejection', (err) => crash(err, 'unhandled promise rejection'));
}
