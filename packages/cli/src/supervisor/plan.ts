/**
 * Turns a validated fusion.yaml into the list of processes `fusion up` runs, listed in the seed's
 * startup order (infrastructure → control plane → observability → services), each with what it
 * needs ready before it starts: an app its sidecar, its dependencies and (if it owns data)
 * PostgreSQL; a sidecar the control plane (decision 0016). Pure: no
 * processes, no file system, so the order and every environment variable can be tested.
 */

import { isAbsolute, join } from 'node:path';
import { type FusionConfig, replicaNames, type ServiceConfig } from '@fusion/mesh-types';
import { CONTROL_PLANE_NAMESPACE, workloadIdentity } from '@fusion/pki';
import { tokenFile } from '../identity/tokens.ts';
import { prometheusComponent } from '../observability/prometheus.ts';
import {
  formatAddress,
  type InstanceLayout,
  instanceLayout,
  type SidecarAddresses,
  sidecarAddresses,
  sidecarEnv,
  sidecarName,
  tcpUpstreamHost,
  traceCollectorUrl,
} from './sidecar.ts';

export type Tier = 'infrastructure' | 'control-plane' | 'observability' | 'services';

/**
 * Tiers in the seed's order, which shutdown walks backwards. Starting follows `dependsOn`, so a
 * tier may start before the one ahead of it is ready where nothing in it needs that one.
 */
export const TIERS: readonly Tier[] = [
  'infrastructure',
  'control-plane',
  'observability',
  'services',
];

export type Readiness =
  | { readonly kind: 'http'; readonly url: string; readonly timeoutMs: number }
  | {
      readonly kind: 'tcp';
      readonly host: string;
      readonly port: number;
      readonly timeoutMs: number;
    };

export interface ComponentSpec {
  /** Unique name: the service name for its first instance, `name-N` for instance N (N ≥ 1). */
  readonly name: string;
  /** The fusion.yaml service it runs, if any. */
  readonly service?: string;
  readonly tier: Tier;
  readonly command: string;
  readonly args: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  /** Addresses it is expected to listen on, for status and port pre-flight checks. */
  readonly listen: readonly { readonly host: string; readonly port: number }[];
  readonly readiness: Readiness;
  /**
   * Components that must be ready before this one starts, whatever their tier: the supervisor
   * starts every component as soon as these are ready (decision 0016), so a component's needs
   * are all listed here, not implied by the tier order.
   */
  readonly dependsOn: readonly string[];
  /** The mesh identity it gets a workload token for (in LINKERD2_PROXY_IDENTITY_TOKEN_FILE). */
  readonly identity?: string;
  /** For a sidecar: its listeners and its app's address. */
  readonly sidecar?: SidecarAddresses;
  /** Called before SIGTERM: an app's sidecar is told to leave discovery first. */
  readonly preStop?: PreStop;
  /**
   * Restarted with this one when a reload restarts it: an app's sidecar, which its pre-stop
   * took out of discovery and which registers again only when it starts.
   */
  readonly restartsWith?: readonly string[];
}

export interface PreStop {
  /** POSTed to; a failure is logged and the stop goes on. */
  readonly url: string;
  /** How long to wait after it answered, for the change to reach the callers. */
  readonly settleMs: number;
}

export interface PlanInputs {
  readonly config: FusionConfig;
  /** Directory fusion.yaml lives in; `entry` paths are relative to it. */
  readonly baseDir: string;
  /** The state directory (`.fusion/`); data and logs live under it. */
  readonly stateDir: string;
  /** The environment `fusion up` was started with (DATABASE_URL, REDIS_URL are read). */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Absolute path of node and of the tsx loader used to run TypeScript entries. */
  readonly nodePath: string;
  readonly tsxImport: string;
  /** Entry of the embedded PostgreSQL process: bundled `.js`/`.mjs`, or `.ts`. */
  readonly postgresEntry: string;
  /**
   * Where the embedded PostgreSQL keeps its template clusters, so that a fresh data directory is
   * copied instead of initialised (infra/data-dir-template.ts); undefined: initdb every time.
   */
  readonly postgresTemplateDir?: string;
  /** Entry of the control-plane program: bundled `.js`/`.mjs`, or `.ts`. */
  readonly controlPlaneEntry: string;
  /** Entry of the sidecar proxy program (fusion-proxy): bundled `.js`/`.mjs`, or `.ts`. */
  readonly proxyEntry: string;
  /**
   * An app's entry (absolute, as `serviceEntry` resolves it) → the bundled file to run instead
   * on node alone. An entry not in it runs through tsx.
   */
  readonly appPrograms?: Readonly<Record<string, string>>;
  /** Absolute path of fusion.yaml, handed to the control plane. */
  readonly configPath: string;
  /** The PKI directory and the trust anchor bundle workloads must trust. */
  readonly pkiDir: string;
  readonly trustAnchorsPem: string;
  /** The `prometheus` binary, when the machine has one (observability/prometheus.ts). */
  readonly prometheusBinary?: string;
}

export interface Plan {
  readonly components: readonly ComponentSpec[];
  /** The database URL services get: the user's DATABASE_URL or the embedded server's. */
  readonly databaseUrl: string;
  readonly embeddedPostgres: boolean;
}

const LOOPBACK = '127.0.0.1';
/**
 * A deregistration reaches callers in tens of milliseconds (decision 0008; 315 ms at worst
 * with 1,000 watchers on a loaded machine): half a second covers it.
 */
const DEREGISTER_SETTLE_MS = 500;
/** A sidecar is ready once it holds a certificate and has registered: seconds, not minutes. */
const SIDECAR_READY_TIMEOUT_MS = 30_000;
const EMBEDDED_PG_HOST = LOOPBACK;
const CONTROL_PLANE = 'control-plane';

export function buildPlan(inputs: PlanInputs): Plan {
  const { config, env } = inputs;
  const components: ComponentSpec[] = [];
  const userDatabaseUrl = env.DATABASE_URL?.trim();
  const services = Object.values(config.services);
  // The embedded server costs hundreds of MB; run it only when some service owns data.
  const embeddedPostgres = !userDatabaseUrl && services.some((s) => s.database);
  const pg = config.infrastructure.postgres;
  const databaseUrl =
    userDatabaseUrl || `postgres://postgres@${EMBEDDED_PG_HOST}:${pg.embeddedPort}/postgres`;

  if (embeddedPostgres) {
    components.push({
      name: 'postgres',
      tier: 'infrastructure',
      command: inputs.nodePath,
      args: nodeArgs(inputs.postgresEntry, inputs, POSTGRES_V8_FLAGS),
      env: {
        FUSION_PG_HOST: EMBEDDED_PG_HOST,
        FUSION_PG_PORT: String(pg.embeddedPort),
        FUSION_PG_DATA_DIR: join(inputs.stateDir, pg.embeddedDataDir),
        FUSION_PG_MAX_CONNECTIONS: String(pg.embeddedMaxConnections),
        ...(inputs.postgresTemplateDir
          ? { FUSION_PG_TEMPLATE_DIR: inputs.postgresTemplateDir }
          : {}),
      },
      listen: [{ host: EMBEDDED_PG_HOST, port: pg.embeddedPort }],
      readiness: { kind: 'tcp', host: EMBEDDED_PG_HOST, port: pg.embeddedPort, timeoutMs: 120_000 },
      dependsOn: [],
    });
  }

  const infrastructure = components.map((c) => c.name);
  const controlPlane = config.controlPlane;
  const tracing = config.observability.tracing;
  components.push({
    name: CONTROL_PLANE,
    tier: 'control-plane',
    command: inputs.nodePath,
    args: nodeArgs(inputs.controlPlaneEntry, inputs),
    env: {
      FUSION_CONFIG: inputs.configPath,
      FUSION_PKI_DIR: inputs.pkiDir,
      FUSION_IDENTITY_LISTEN_ADDR: `${LOOPBACK}:${controlPlane.identityPort}`,
      FUSION_DESTINATION_LISTEN_ADDR: `${LOOPBACK}:${controlPlane.destinationPort}`,
      FUSION_CONTROL_PLANE_ADMIN_ADDR: `${LOOPBACK}:${controlPlane.adminPort}`,
      FUSION_API_LISTEN_ADDR: `${LOOPBACK}:${controlPlane.apiPort}`,
      // The embedded trace receiver, unless spans go to a collector of the user's.
      ...(tracing.collector === undefined && {
        FUSION_TRACE_RECEIVER_ADDR: `${LOOPBACK}:${tracing.receiverPort}`,
      }),
      LOG_LEVEL: config.logging.level,
    },
    listen: [
      { host: LOOPBACK, port: controlPlane.identityPort },
      { host: LOOPBACK, port: controlPlane.destinationPort },
      { host: LOOPBACK, port: controlPlane.adminPort },
      ...(tracing.collector === undefined ? [{ host: LOOPBACK, port: tracing.receiverPort }] : []),
      // Last on purpose: `fusion config show|apply` find the public API as the last address.
      { host: LOOPBACK, port: controlPlane.apiPort },
    ],
    readiness: {
      kind: 'http',
      url: `http://${LOOPBACK}:${controlPlane.adminPort}/ready`,
      timeoutMs: 30_000,
    },
    // It keeps nothing in PostgreSQL: it starts beside it, not after it (decision 0016).
    dependsOn: [],
  });
  const prometheus = config.observability.prometheus;
  if (prometheus.enabled && inputs.prometheusBinary) {
    components.push(prometheusComponent(config, inputs.prometheusBinary, inputs.stateDir));
  }
  for (const service of orderByDependencies(services)) {
    const identity = workloadIdentity(service.name, config.mesh.namespace, config.mesh.trustDomain);
    const opaqueDependencies = service.dependsOn
      .map((dep) => requireService(config, dep))
      .filter((dep) => dep.protocol === 'tcp');
    replicaNames(service).forEach((name, index) => {
      const upstreamHost = tcpUpstreamHost(services.indexOf(service), index);
      const layout = instanceLayout(
        service,
        replicaHost(index),
        Object.fromEntries(
          opaqueDependencies.map((dep) => [dep.name, { host: upstreamHost, port: dep.port }]),
        ),
      );
      const proxy = sidecarName(name);
      // The sidecar first: the app starts once its sidecar holds a certificate and has
      // registered, and at shutdown the app (a dependent) drains before its sidecar stops.
      components.push({
        identity: identity.name,
        name: proxy,
        service: service.name,
        tier: 'services',
        command: inputs.nodePath,
        args: nodeArgs(inputs.proxyEntry, inputs, PROXY_V8_FLAGS),
        env: {
          ...sidecarEnv(config, service, name, layout),
          ...auditEnv(config, inputs.stateDir, name),
          ...identityEnv(identity.name, tokenFile(inputs.stateDir, proxy), inputs),
        },
        listen: [
          layout.inbound,
          layout.outbound,
          layout.admin,
          ...Object.values(layout.tcpUpstreams),
        ],
        readiness: {
          kind: 'http',
          url: `http://${formatAddress(layout.admin)}/ready`,
          timeoutMs: SIDECAR_READY_TIMEOUT_MS,
        },
        // Its certificate and its registration come from the control plane; the database is
        // not its business, so it starts while PostgreSQL may still be initialising.
        dependsOn: [CONTROL_PLANE],
        sidecar: sidecarAddresses(layout),
      });
      components.push({
        name,
        service: service.name,
        tier: 'services',
        ...startCommand(service, inputs),
        env: {
          ...serviceEnv(service, { layout, databaseUrl, inputs }),
          FUSION_LOG_LEVEL_FILE: logLevelFile(inputs.stateDir, name),
          OTEL_EXPORTER_OTLP_ENDPOINT: traceCollectorUrl(config),
          FUSION_TRACE_SAMPLING: String(tracing.sampling),
          ...service.env,
        },
        listen: [layout.app],
        readiness: appReadiness(service, layout),
        // Callers stop choosing this instance before the app stops taking connections.
        preStop: {
          url: `http://${formatAddress(layout.admin)}/deregister`,
          settleMs: DEREGISTER_SETTLE_MS,
        },
        restartsWith: [proxy],
        dependsOn: [
          proxy,
          ...(service.database ? infrastructure : []),
          ...service.dependsOn.flatMap((dep) => replicaNames(requireService(config, dep))),
        ],
      });
    });
  }
  refuseCollisions(components);
  return { components, databaseUrl, embeddedPostgres };
}

/**
 * Replica N listens on 127.0.0.(N+1): on Linux the whole 127/8 range is local, so
 * replicas share the service's port the way pods share a Service port.
 */
export function replicaHost(index: number): string {
  return `127.0.0.${index + 1}`;
}

/**
 * Each sidecar records its access decisions in a file of its own under `.fusion/logs/audit/`:
 * one writer per file rotates safely, and `fusion audit` reads them all.
 */
/** Where `fusion log-level` writes an app's level; the app follows the file (service kit). */
export function logLevelFile(stateDir: string, instance: string): string {
  return join(stateDir, 'run', 'log-level', instance);
}

export function auditFile(stateDir: string, instance: string): string {
  return join(stateDir, 'logs', 'audit', `${instance}.log`);
}

function auditEnv(config: FusionConfig, stateDir: string, instance: string) {
  return {
    FUSION_PROXY_AUDIT_LOG: auditFile(stateDir, instance),
    FUSION_PROXY_AUDIT_ALLOWED: String(config.mesh.audit.allowedShare),
    FUSION_PROXY_AUDIT_MAX_BYTES: String(config.mesh.audit.maxFileBytes),
  };
}

function requireService(config: FusionConfig, name: string): ServiceConfig {
  const service = config.services[name];
  // The config package already refused unknown dependencies; this guards the invariant.
  if (!service) throw new Error(`service '${name}' is not defined in fusion.yaml`);
  return service;
}

/**
 * V8 flags for sidecars only. A 4 MB semi-space (V8's default grows to 16 MB on 64-bit) cut a
 * bundled proxy's peak RSS at 500 rps from 145 / 119 MB (client / server side) to 111 / 93 MB
 * in the pair benchmark, at no measurable CPU or throughput cost
 * (0.61 / 0.59 against 0.60 / 0.68 CPU-s per 1,000 requests; ~1,230 against ~1,080 rps closed
 * loop). 2 MB saved more (93 / 89 MB) but cost 10–25 % more CPU per request; see
 * docs/performance.md, "Optimisations (2026-12-01)".
 */
const PROXY_V8_FLAGS = ['--max-semi-space-size=4'] as const;

/**
 * The sidecars' semi-space for the apps too: V8 grows the young generation to 16 MB semi-spaces
 * while an app loads, and an idle app never gives it back (heap 51 MB of which 12 used, RSS
 * 86 MB; with 4 MB: heap 26 MB, RSS 80 MB).
 */
const APP_V8_FLAGS = ['--max-semi-space-size=4'] as const;

/**
 * The embedded PostgreSQL collects its garbage once it is up (postgres-main.ts): a fresh data
 * directory's initdb leaves a WebAssembly instance behind that an idle process would hold for
 * good, 760 MB RSS against 449 MB after a collection.
 */
const POSTGRES_V8_FLAGS = ['--expose-gc'] as const;

/** A bundled program runs on node alone; TypeScript goes through tsx. */
function nodeArgs(entry: string, inputs: PlanInputs, v8Flags: readonly string[] = []): string[] {
  return entry.endsWith('.ts')
    ? [...v8Flags, '--import', inputs.tsxImport, entry]
    : [...v8Flags, '--enable-source-maps', entry];
}

/** The absolute path of a service's `entry`, or undefined when it is started by `command`. */
export function serviceEntry(service: ServiceConfig, baseDir: string): string | undefined {
  if (service.start.kind === 'command') return undefined;
  return isAbsolute(service.start.entry) ? service.start.entry : join(baseDir, service.start.entry);
}

function startCommand(service: ServiceConfig, inputs: PlanInputs) {
  if (service.start.kind === 'command') {
    const [command, ...args] = service.start.command;
    return { command: command!, args };
  }
  const entry = serviceEntry(service, inputs.baseDir)!;
  const bundled = inputs.appPrograms?.[entry];
  // Anything not bundled (a `.js` entry too) keeps going through tsx, as it always has.
  const args = bundled
    ? nodeArgs(bundled, inputs, APP_V8_FLAGS)
    : [...APP_V8_FLAGS, '--import', inputs.tsxImport, entry];
  return { command: inputs.nodePath, args };
}

function serviceEnv(
  service: ServiceConfig,
  ctx: { layout: InstanceLayout; databaseUrl: string; inputs: PlanInputs },
): Record<string, string> {
  const { config, env } = ctx.inputs;
  const result: Record<string, string> = {
    // A canary or shadow runs the program of the service it is a version of, under its name.
    FUSION_SERVICE_NAME: service.versionOf ?? service.name,
    // The app's private port: only its sidecar (and the supervisor's probe) talk to it.
    HOST: ctx.layout.app.host,
    PORT: String(ctx.layout.app.port),
    LOG_LEVEL: config.logging.level,
    FUSION_DEPENDENCIES: service.dependsOn.join(','),
    // Every call the app makes to another service goes through its sidecar.
    FUSION_MESH_OUTBOUND: `http://${formatAddress(ctx.layout.outbound)}`,
  };
  const upstreams = Object.entries(ctx.layout.tcpUpstreams);
  if (upstreams.length > 0) {
    // Opaque dependencies are reached by address: its sidecar's upstream listener for each.
    result.FUSION_MESH_TCP_ENDPOINTS = JSON.stringify(
      Object.fromEntries(upstreams.map(([dep, address]) => [dep, formatAddress(address)])),
    );
  }
  if (service.database) result.DATABASE_URL = ctx.databaseUrl;
  if (env.REDIS_URL) result.REDIS_URL = env.REDIS_URL;
  return result;
}

/** Linkerd's identity variables, so the workload's proxy can obtain its certificate. */
function identityEnv(
  identity: string,
  tokenPath: string,
  inputs: PlanInputs,
): Record<string, string> {
  const { config } = inputs;
  const identityService = workloadIdentity(
    'identity',
    CONTROL_PLANE_NAMESPACE,
    config.mesh.trustDomain,
  );
  return {
    LINKERD2_PROXY_IDENTITY_LOCAL_NAME: identity,
    LINKERD2_PROXY_IDENTITY_TOKEN_FILE: tokenPath,
    LINKERD2_PROXY_IDENTITY_TRUST_ANCHORS: inputs.trustAnchorsPem,
    LINKERD2_PROXY_IDENTITY_SVC_ADDR: `${LOOPBACK}:${config.controlPlane.identityPort}`,
    LINKERD2_PROXY_IDENTITY_SVC_NAME: identityService.name,
  };
}

/** An opaque TCP app (a database, a broker) has no HTTP to ask: a connect is its probe. */
function appReadiness(service: ServiceConfig, layout: InstanceLayout): Readiness {
  const timeoutMs = service.readiness.timeoutMs;
  if (service.protocol === 'tcp') return { kind: 'tcp', ...layout.app, timeoutMs };
  return {
    kind: 'http',
    url: `http://${formatAddress(layout.app)}${service.readiness.path}`,
    timeoutMs,
  };
}

/** Two components on one name or address would fail at start; say so before anything runs. */
function refuseCollisions(components: readonly ComponentSpec[]): void {
  const owners = new Map<string, string>();
  const names = new Set<string>();
  for (const component of components) {
    if (names.has(component.name)) {
      throw new Error(
        `two components would be named '${component.name}' (a service's sidecar is <service>-proxy); rename the service in fusion.yaml`,
      );
    }
    names.add(component.name);
    for (const address of component.listen) {
      const key = formatAddress(address);
      const owner = owners.get(key);
      if (owner !== undefined) {
        throw new Error(
          `${key} would be used by both ${owner} and ${component.name}; ` +
            'change one of their ports in fusion.yaml (a sidecar uses its port + 10000, + 20000 and + 21000)',
        );
      }
      owners.set(key, component.name);
    }
  }
}

/** Dependencies first; ties keep file order. The config package has already refused cycles. */
export function orderByDependencies(services: readonly ServiceConfig[]): ServiceConfig[] {
  const byName = new Map(services.map((s) => [s.name, s]));
  const ordered: ServiceConfig[] = [];
  const placed = new Set<string>();
  const visit = (service: ServiceConfig, path: readonly string[]) => {
    if (placed.has(service.name)) return;
    if (path.includes(service.name)) {
      throw new Error(`dependency cycle: ${[...path, service.name].join(' -> ')}`);
    }
    for (const dep of service.dependsOn) {
      const target = byName.get(dep);
      if (target) visit(target, [...path, service.name]);
    }
    placed.add(service.name);
    ordered.push(service);
  };
  for (const service of services) visit(service, []);
  return ordered;
}
