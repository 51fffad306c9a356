/**
 * Graceful shutdown on SIGTERM/SIGINT: stop accepting, let in-flight requests finish, close
 * pools, exit 0. A second signal, a failed close or the deadline exits 1 at once.
 */
import type { Logger } from '@fusion/telemetry';

export interface ShutdownOptions {
  /** Stops the service: for a Fastify app, `app.close()`. */
  readonly close: () => Promise<unknown>;
  readonly logger: Logger;
  /** Longest drain allowed before exiting 1 anyway. */
  readonly timeoutMs: number;
  /** Replaced in tests; default `process.exit`. */
  readonly exit?: (code: number) => void;
  readonly signals?: readonly NodeJS.Signals[];
}

/** Installs the signal handlers; returns a function that removes them. */
export function installGracefulShutdown(options: ShutdownOptions): () => void {
  const exit = options.exit ?? ((code: number) => process.exit(code));
  const signals = options.signals ?? ['SIGTERM', 'SIGINT'];
  const { logger, timeoutMs } = options;
  let stopping = false;

  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn({ signal }, 'second signal during shutdown, exiting now');
      exit(1);
      return;
    }
    stopping = true;
    logger.info({ signal, timeout_ms: timeoutMs }, 'shutting down: draining in-flight requests');
    const deadline = setTimeout(() => {
      logger.error({ timeout_ms: timeoutMs }, 'shutdown took too long, exiting');
      exit(1);
    }, timeoutMs);
    // The deadline must not be what keeps a finished process alive.
    deadline.unref();
    options.close().then(
      () => {
        clearTimeout(deadline);
        logger.info('stopped');
        exit(0);
      },
      (err: unknown) => {
        clearTimeout(deadline);
        logger.error({ err }, 'shutdown failed');
        exit(1);
      },
    );
  };

  for (const signal of signals) process.on(signal, onSignal);
  return () => {
    for (const signal of signals) process.off(signal, onSignal);
  };
}
