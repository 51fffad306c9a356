/**
 * The control-plane program: reads its environment and fusion.yaml, opens the admin listener
 * first (so the supervisor sees "starting" rather than a refused connection), then starts each
 * component in order: identity, then destination (whose certificate identity's issuer signs);
 * the public API joins the `components` list below.
 * Any start failure is one fatal JSON line and exit 1; SIGTERM/SIGINT close everything, exit 0.
 */
import { loadConfigOrThrow } from '@fusion/config';
import type { FusionConfig } from '@fusion/mesh-types';
import {
  createLogger,
  type Logger,
  type LogLevel,
  Registry,
  registerProcessMetrics,
} from '@fusion/telemetry';
import { createAdminServer } from './admin/index.ts';
import { type Component, overallReadiness } from './component.ts';
import { startDestination } from './destination/index.ts';
import { type ControlPlaneEnv, EnvError, readControlPlaneEnv } from './env.ts';
import { type IdentityComponent, startIdentity } from './identity/index.ts';

const SERVICE = 'control-plane';
/** Longest a shutdown may take before exiting 1 anyway. */
const SHUTDOWN_TIMEOUT_MS = 10_000;

const boot = createLogger({ service: SERVICE, component: 'main' });
const env = readEnvOrExit();
const config = readConfigOrExit(env.configPath);
const level: LogLevel = env.logLevel ?? config.logging.level;
const logger = (component: string): Logger => createLogger({ service: SERVICE, component, level });
const log = logger('main');

const registry = new Registry();
registerProcessMetrics(registry);
const running: Component[] = [];
let identity: IdentityComponent | undefined;
const components: ReadonlyArray<{ name: string; start: () => Promise<Component> }> = [
  {
    name: 'identity',
    start: async () => {
      identity = await startIdentity({
        pkiDir: env.pkiDir,
        ...env.identityListen,
        trustDomain: config.mesh.trustDomain,
        lifetimeMs: config.mesh.certificateLifetimeMs,
        clockSkewMs: config.mesh.clockSkewAllowanceMs,
        registry,
        logger: logger('identity'),
      });
      return identity;
    },
  },
  {
    name: 'destination',
    start: () =>
      startDestination({
        // Started after identity, so its issuer store is there to sign with.
        issuers: identity!.issuers,
        ...env.destinationListen,
        trustDomain: config.mesh.trustDomain,
        lifetimeMs: config.mesh.certificateLifetimeMs,
        clockSkewMs: config.mesh.clockSkewAllowanceMs,
        knownServices: Object.keys(config.services),
        registry,
        logger: logger('destination'),
      }),
  },
];
let starting = components.map((c) => c.name);

const admin = createAdminServer({
  registry,
  readiness: () => overallReadiness(running, starting),
});
const adminAddress = await admin
  .listen(env.adminListen.host, env.adminListen.port)
  .catch((error: unknown) => fatal(error, 'admin listener'));
log.info({ address: `${adminAddress.address}:${adminAddress.port}` }, 'admin listening');

installShutdown();
for (const component of components) {
  running.push(await component.start().catch((error: unknown) => fatal(error, component.name)));
  starting = starting.filter((name) => name !== component.name);
}
log.info({ components: running.map((c) => c.name) }, 'control plane started');

function readEnvOrExit(): ControlPlaneEnv {
  try {
    return readControlPlaneEnv(process.env);
  } catch (error) {
    const variable = error instanceof EnvError ? error.variable : undefined;
    boot.fatal({ variable }, (error as Error).message);
    process.exit(1);
  }
}

function readConfigOrExit(path: string): FusionConfig {
  try {
    const { config, warnings } = loadConfigOrThrow(path);
    for (const warning of warnings) boot.warn({ file: path }, warning.message);
    return config;
  } catch (error) {
    // ConfigError's message is already `file:line:col: reason`, one per problem.
    boot.fatal({ file: path }, (error as Error).message);
    process.exit(1);
  }
}

function fatal(error: unknown, part: string): never {
  log.fatal({ err: error }, `${part} cannot start: ${(error as Error).message}`);
  process.exit(1);
}

function installShutdown(): void {
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      log.warn({ signal }, 'second signal during shutdown, exiting now');
      process.exit(1);
    }
    stopping = true;
    log.info({ signal }, 'shutting down');
    const deadline = setTimeout(() => {
      log.error({ timeout_ms: SHUTDOWN_TIMEOUT_MS }, 'shutdown took too long, exiting');
      process.exit(1);
    }, SHUTDOWN_TIMEOUT_MS);
    deadline.unref();
    // Components stop first so /ready turns 503 while they drain; the admin listener goes last.
    Promise.all(running.map((c) => c.close()))
      .then(() => admin.close())
      .then(
        () => {
          log.info('stopped');
          process.exit(0);
        },
        (error: unknown) => {
          log.error({ err: error }, 'shutdown failed');
          process.exit(1);
        },
      );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}
