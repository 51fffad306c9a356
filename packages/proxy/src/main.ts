/**
 * fusion-proxy, the sidecar program. Order of start:
 *   environment (every problem reported at once, exit 1) → logger → admin listener (first, so
 *   probes see 503 "waiting for …" rather than a refused connection) → identity (waits for the
 *   first certificate, retrying with backoff as Linkerd does) → inbound and outbound → with
 *   the destination service, the first registration of the inbound endpoint → ready.
 * SIGTERM, SIGINT or POST /shutdown: /ready turns 503, the endpoint is deregistered (callers
 * stop choosing this proxy while it still answers), both listeners stop accepting and drain
 * what is in flight for up to LINKERD2_PROXY_SHUTDOWN_GRACE_PERIOD, the admin listener closes
 * last, exit 0. A second signal exits at once with 1.
 */
import { IdentityClient } from '@fusion/identity-client';
import { BatchExporter, Registry, Tracer } from '@fusion/telemetry';
import { startAdmin } from './admin/index.ts';
import { type Audit, AuditLog, auditor } from './audit/index.ts';
import type { DestinationClient } from './destination/index.ts';
import type { Discovery } from './discovery/index.ts';
import { formatHostPort, type ProxyEnv, ProxyEnvError, readProxyEnv } from './env/index.ts';
import { createProxyLogger, DEFAULT_LOG_FILTER, parseLogFormat } from './logging/index.ts';
import type { TcpOutbound } from './tcp/index.ts';

interface Listener {
  readonly address: { address: string; port: number };
  close(): Promise<void>;
}

const env = readEnvOrExit();
const logger = createProxyLogger({
  service: env.service,
  filter: env.log.filter,
  format: env.log.format,
});
const log = logger.component('main');
for (const warning of env.warnings) log.warn(warning);

const registry = new Registry();
const identity = new IdentityClient({
  ...env.identity,
  registry,
  logger: logger.component('identity'),
});
const listeners: { inbound?: Listener; outbound?: Listener & { routes(): unknown[] } } = {};
/** FUSION_PROXY_OUTBOUND_TCP's listeners, when there are any. */
let tcpOutbound: TcpOutbound | undefined;
let discovery: Discovery | undefined;
/** The destination service's client, when LINKERD2_PROXY_DESTINATION_SVC_ADDR is set. */
let destination: DestinationClient | undefined;
const REGISTERING = 'waiting for the first registration with the destination service';
/** Why the proxy is not ready; undefined once it is. */
let notReady: string | undefined = 'waiting for the first identity certificate';
let stopping = false;
/** FUSION_PROXY_AUDIT_LOG's writer, when it is set. */
let auditLog: AuditLog | undefined;
let spanExporter: BatchExporter | undefined;

const admin = await startAdmin({
  listen: env.adminListen,
  registry,
  logger,
  readiness: () =>
    notReady === undefined ? { ready: true } : { ready: false, reason: whyNotReady(notReady) },
  config: currentConfig,
  shutdown: { enabled: env.shutdownEndpointEnabled, trigger: () => shutdown('admin request') },
  // Before its app stops, the supervisor takes this instance out of callers' sets, so no
  // new request reaches an app that is draining (Kubernetes does the same from the endpoint
  // controller). The sidecar keeps serving what still arrives, and /ready says why it is not.
  deregister: async () => {
    if (!destination?.registrar) return false;
    notReady = 'deregistered: the instance is stopping';
    return destination.registrar.deregister();
  },
  env: process.env,
}).catch((error: unknown) => fatal(error, 'admin listener'));
log.info({ address: `${admin.address.address}:${admin.address.port}` }, 'admin listening');
process.on('SIGTERM', () => shutdown('SIGTERM'));
process.on('SIGINT', () => shutdown('SIGINT'));

const startup = startDataPlane()
  .then(firstRegistration)
  .then(
    () => {
      if (stopping) return;
      notReady = undefined;
      log.info({ identity: identity.identity }, 'proxy ready');
    },
    // A shutdown during start stops the identity client, which rejects start(): not a failure.
    (error: unknown) => (stopping ? undefined : fatal(error, 'proxy')),
  );

async function startDataPlane(): Promise<void> {
  await identity.start();
  if (stopping) return;
  notReady = 'opening listeners';
  // Loaded only after the environment is known good, so that a misconfigured sidecar reports
  // its variables first, whatever state the data-plane modules are in.
  const [{ startInbound }, { startOutbound }, { fileDiscovery, staticDiscovery }] =
    await Promise.all([
      import('./inbound/index.ts'),
      import('./outbound/index.ts'),
      import('./discovery/index.ts'),
    ]);
  // The destination service when there is one; else a file the supervisor writes; else none.
  if (env.destinationAddr && env.destinationName) {
    const { startDestinationClient } = await import('./destination/index.ts');
    destination = startDestinationClient({
      address: formatHostPort(env.destinationAddr),
      serverName: env.destinationName,
      credentials: () => identity.credentials(),
      logger: logger.component('destination'),
      // Held for /config and the layers to come; readiness does not wait for it.
      service: env.service,
    });
    discovery = destination.discovery;
  } else {
    discovery = env.staticEndpointsPath
      ? fileDiscovery(env.staticEndpointsPath)
      : staticDiscovery({});
  }
  const audit = openAudit();
  const tracer = openTracer();
  const { startOpaqueInbound, startTcpOutbound } = await import('./tcp/index.ts');
  // An opaque app (its port listed in LINKERD2_PROXY_INBOUND_PORTS_DISABLE_PROTOCOL_DETECTION)
  // gets a TLS server that pipes bytes; every other one the HTTP inbound stack.
  const inbound = await (env.inboundOpaque ? startOpaqueInbound : startInbound)({
    listen: env.inboundListen,
    app: env.app,
    appProtocol: env.appProtocol,
    identity,
    defaultPolicy: env.inboundDefaultPolicy,
    external: env.external,
    registry,
    logger: logger.component('inbound'),
    connectTimeoutMs: env.inboundConnectTimeoutMs,
    http1: env.http1,
    instance: env.instance,
    authorization: () => destination?.policy?.current()?.inbound.authorization,
    rateLimit: () => destination?.policy?.current()?.inbound.rateLimit,
    faults: () => destination?.policy?.current()?.inbound.faultInjection,
    ...(audit && { audit }),
    ...(tracer && { tracer }),
    ...(env.accessLog && { accessLog: logger.component('access_log') }),
    ...(env.destinationName ? { controlPlaneIdentity: env.destinationName } : {}),
  });
  listeners.inbound = inbound;
  log.info({ address: addressOf(inbound) }, 'inbound listening');
  // Only now: a caller told about this endpoint must find it answering.
  if (!stopping) {
    destination?.registerInbound(inbound.address, env.service, env.instance, env.appReadinessPath);
  }
  const outbound = await startOutbound({
    listen: env.outboundListen,
    identity,
    discovery,
    registry,
    logger: logger.component('outbound'),
    connectTimeoutMs: env.outboundConnectTimeoutMs,
    http1: env.http1,
    ...(destination?.policy ? { policies: destination.policy } : {}),
    ...(tracer && { tracer }),
  });
  listeners.outbound = outbound;
  log.info({ address: addressOf(outbound) }, 'outbound listening');
  if (env.outboundTcp.length > 0) {
    tcpOutbound = await startTcpOutbound({
      upstreams: env.outboundTcp,
      identity,
      discovery,
      registry,
      logger: logger.component('tcp'),
      connectTimeoutMs: env.outboundConnectTimeoutMs,
    });
  }
}

/** With the destination service, ready also means that callers can find this proxy. */
async function firstRegistration(): Promise<void> {
  const registrar = destination?.registrar;
  if (!registrar || stopping) return;
  notReady = REGISTERING;
  await registrar.registered();
}

/** The registrar's last refusal or the connection's last error says what to look at. */
function whyNotReady(reason: string): string {
  if (reason !== REGISTERING || !destination) return reason;
  const state = destination.state();
  const problem = state.registration?.lastError ?? state.connection.lastError;
  return problem ? `${reason} at ${state.address} (${problem})` : `${reason} at ${state.address}`;
}

function shutdown(reason: string): void {
  if (stopping) {
    if (reason === 'admin request') return;
    log.warn({ reason }, 'second signal during shutdown, exiting now');
    process.exit(1);
  }
  stopping = true;
  notReady = 'shutting down';
  log.info({ reason, grace_period_ms: env.shutdownGracePeriodMs }, 'shutting down');
  identity.stop();
  // Before the listeners close, so that callers stop choosing us while we still answer.
  const leaving = destination?.registrar?.deregister();
  const deadline = setTimeout(() => {
    log.warn('shutdown grace period elapsed with requests still in flight; exiting');
    process.exit(0);
  }, env.shutdownGracePeriodMs);
  void startup
    .then(() => leaving)
    .then(() =>
      Promise.all([listeners.inbound?.close(), listeners.outbound?.close(), tcpOutbound?.close()]),
    )
    .then(() => {
      destination?.close();
      // The last spans go out before the process does.
      return Promise.all([admin.close(), auditLog?.close(), spanExporter?.flush()]);
    })
    .then(
      () => {
        clearTimeout(deadline);
        log.info('stopped');
        process.exit(0);
      },
      (error: unknown) => {
        log.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
}

/** What `GET /config` shows: the policy and endpoints in force now. */
function currentConfig(): unknown {
  const credentials = identity.credentials();
  return {
    service: env.service,
    // The policy last received from the destination service.
    policy: destination?.policy?.state() ?? null,
    identity: {
      name: identity.identity,
      serial: credentials?.serial ?? null,
      validUntil: credentials?.validUntil ?? null,
    },
    inbound: {
      listen: listeners.inbound ? addressOf(listeners.inbound) : formatHostPort(env.inboundListen),
      app: formatHostPort(env.app),
      appProtocol: env.appProtocol,
      defaultPolicy: env.inboundDefaultPolicy,
      external: env.external,
      // What decides each request now: the pushed policy's, or the default policy alone.
      authorization: destination?.policy?.current()?.inbound.authorization ?? {
        defaultPolicy: env.inboundDefaultPolicy,
        rules: [],
      },
      rateLimit: destination?.policy?.current()?.inbound.rateLimit ?? null,
      audit: env.audit ?? null,
    },
    outbound: {
      listen: listeners.outbound
        ? addressOf(listeners.outbound)
        : formatHostPort(env.outboundListen),
      endpointsSource: destination ? 'destination' : (env.staticEndpointsPath ?? null),
      endpoints: Object.fromEntries(
        (discovery?.services() ?? []).map((s: string) => [s, discovery?.resolve(s) ?? []]),
      ),
      // Per service: the version held, when it arrived, and whether the connection is live.
      destination: destination?.state() ?? null,
      // Per service called so far: its routes and the layers active on each.
      routes: listeners.outbound?.routes() ?? [],
    },
    tcp: {
      inboundOpaque: env.inboundOpaque,
      inboundOpaquePorts: env.inboundOpaquePorts.map((r) =>
        r.from === r.to ? `${r.from}` : `${r.from}-${r.to}`,
      ),
      outbound: tcpOutbound
        ? tcpOutbound.listeners.map((l) => ({
            service: l.service,
            listen: formatHostPort({ host: l.address.address, port: l.address.port }),
          }))
        : env.outboundTcp.map((u) => ({ service: u.service, listen: formatHostPort(u.listen) })),
    },
  };
}

function addressOf(listener: Listener): string {
  return formatHostPort({ host: listener.address.address, port: listener.address.port });
}

function readEnvOrExit(): ProxyEnv {
  try {
    return readProxyEnv(process.env);
  } catch (error) {
    if (!(error instanceof ProxyEnvError)) throw error;
    // The one line log collectors keep, in the format asked for when that much is readable …
    const boot = createProxyLogger({
      service: process.env.FUSION_PROXY_SERVICE?.trim() || 'fusion-proxy',
      filter: DEFAULT_LOG_FILTER,
      format: parseLogFormat(process.env.LINKERD2_PROXY_LOG_FORMAT ?? '') ?? 'plain',
    });
    boot
      .component('main')
      .fatal(
        { variables: error.problems.map((p) => p.variable) },
        `proxy environment is invalid: ${error.problems.map((p) => p.message).join('; ')}`,
      );
    // … and the same report for a person reading the terminal.
    process.stderr.write(`fusion-proxy cannot start: ${error.message}\n`);
    process.exit(1);
  }
}

function fatal(error: unknown, part: string): never {
  log.fatal({ err: error }, `${part} cannot start: ${(error as Error).message}`);
  process.exit(1);
}

/**
 * Spans for LINKERD2_PROXY_TRACE_COLLECTOR_SVC_ADDR (OTLP/HTTP, batched, never waited for), as
 * `<service>-proxy`; none without it (the trace context is then passed on untouched).
 */
function openTracer(): Tracer | undefined {
  const collector = env.traceCollectorAddr;
  if (collector === undefined) return undefined;
  const host = collector.host.includes(':') ? `[${collector.host}]` : collector.host;
  spanExporter = new BatchExporter({
    endpoint: `http://${host}:${collector.port}`,
    service: `${env.service}-proxy`,
    resource: { 'service.instance.id': env.instance },
  });
  // The exporter counts; the registry reads its counts at scrape time.
  const stats = spanExporter.stats;
  const counted = (name: string, help: string, read: () => number) =>
    registry.counter({ name, help, collect: (c) => c.inc(read() - c.get()) });
  counted('trace_export_spans_total', 'Spans the collector accepted.', () => stats.sent);
  counted(
    'trace_export_dropped_spans_total',
    'Spans dropped because the export queue was full (the collector too slow or down).',
    () => stats.dropped,
  );
  counted(
    'trace_export_failed_batches_total',
    'Batches of spans the collector refused or did not answer.',
    () => stats.failedBatches,
  );
  log.info(
    { collector: `${host}:${collector.port}`, sampling: env.traceSampling },
    'exporting spans',
  );
  return new Tracer({ sampling: env.traceSampling, sink: spanExporter });
}

/** The audit log FUSION_PROXY_AUDIT_* asks for, and what records decisions into it. */
function openAudit(): Audit | undefined {
  const settings = env.audit;
  if (settings === undefined) return undefined;
  const dropped = registry.counter({
    name: 'inbound_audit_dropped_total',
    help: 'Audit records dropped because the disk could not keep up (the queue was full).',
  });
  auditLog = new AuditLog({
    file: settings.file,
    maxBytes: settings.maxBytes,
    onDropped: () => dropped.inc(),
    onWriteError: (error) =>
      log.warn({ err: error, file: settings.file }, 'audit log write failed'),
  });
  log.info(
    { file: settings.file, allowed_share: settings.allowedShare },
    'recording access decisions',
  );
  return auditor({
    log: auditLog,
    service: env.service,
    instance: env.instance,
    allowedShare: settings.allowedShare,
  });
}
