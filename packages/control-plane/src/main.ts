/**
 * The control-plane program: reads its environment and fusion.yaml (and follows the file from
 * then on: a valid change is pushed to proxies as policy, an invalid one refused), opens the
 * admin listener first (so the supervisor sees "starting" rather than a refused connection),
 * then starts each component in order: identity, then destination (whose certificate
 * identity's issuer signs), then the public API (which reads both), then — when
 * FUSION_TRACE_RECEIVER_ADDR is set — the trace receiver, which needs nothing and which nothing
 * waits for (an exporter that finds it not yet listening drops one batch).
 * Any start failure is one fatal JSON line and exit 1; SIGTERM/SIGINT close everything, exit 0.
 */
import { formatDiagnostic } from '@fusion/mesh-types';
import {
  createLogger,
  type Logger,
  type LogLevel,
  Registry,
  registerProcessMetrics,
} from '@fusion/telemetry';
import { createAdminServer } from './admin/index.ts';
import { startApi } from './api/index.ts';
import { type Component, overallReadiness } from './component.ts';
import { ConfigSource, registerConfigMetrics } from './config/index.ts';
import { type DestinationComponent, startDestination } from './destination/index.ts';
import { type ControlPlaneEnv, EnvError, type ListenAddress, readControlPlaneEnv } from './env.ts';
import { type IdentityComponent, startIdentity } from './identity/index.ts';
import { startTraceReceiver } from './traces/index.ts';

const SERVICE = 'control-plane';
/** Longest a shutdown may take before exiting 1 anyway. */
const SHUTDOWN_TIMEOUT_MS = 10_000;

const boot = createLogger({ service: SERVICE, component: 'main' });
const env = readEnvOrExit();
const source = openConfigOrExit(env.configPath);
/** The config read at start: ports, identity settings and log level are taken from it once. */
const config = source.current().config;
const level: LogLevel = env.logLevel ?? config.logging.level;
const logger = (component: string): Logger => createLogger({ service: SERVICE, component, level });
const log = logger('main');
source.follow(logger('config'));

const registry = new Registry();
registerProcessMetrics(registry);
registerConfigMetrics(registry, source);
const running: Component[] = [];
let identity: IdentityComponent | undefined;
let destination: DestinationComponent | undefined;
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
    start: async () => {
      destination = await startDestination({
        // Started after identity, so its issuer store is there to sign with.
        issuers: identity!.issuers,
        ...env.destinationListen,
        trustDomain: config.mesh.trustDomain,
        lifetimeMs: config.mesh.certificateLifetimeMs,
        clockSkewMs: config.mesh.clockSkewAllowanceMs,
        knownServices: Object.keys(config.services),
        policies: source,
        registry,
        logger: logger('destination'),
      });
      return destination;
    },
  },
  {
    name: 'api',
    start: () => {
      // Last: it reads the other two and serves nobody who could not wait for it.
      const endpoints = destination!.endpoints;
      return startApi({
        ...env.apiListen,
        config: source,
        endpoints,
        identities: {
          trustDomain: config.mesh.trustDomain,
          issuer: () => identity!.issuers.current(),
          registry,
          controlPlane: {
            identity: identity!.serverIdentity.name,
            destination: destination!.serverIdentity.name,
          },
          held: () => endpoints.held(),
        },
        logger: logger('api'),
      });
    },
  },
  ...optionalComponent('trace-receiver', env.traceReceiverListen, (listen) =>
    startTraceReceiver({ ...listen, registry, logger: logger('traces') }),
  ),
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

/** A component that runs only when its listen address is set. */
function optionalComponent(
  name: string,
  listen: ListenAddress | undefined,
  start: (listen: ListenAddress) => Promise<Component>,
): { name: string; start: () => Promise<Component> }[] {
  return listen === undefined ? [] : [{ name, start: () => start(listen) }];
}

function readEnvOrExit(): ControlPlaneEnv {
  try {
    return readControlPlaneEnv(process.env);
  } catch (error) {
    const variable = error instanceof EnvError ? error.variable : undefined;
    boot.fatal({ variable }, (error as Error).message);
    process.exit(1);
  }
}

function openConfigOrExit(path: string): ConfigSource {
  try {
    const opened = ConfigSource.open({ file: path });
    for (const warning of opened.current().warnings)
      boot.warn({ file: path }, formatDiagnostic(warning));
    return opened;
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
      .then(() => {
        source.close();
        return admin.close();
      })
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
