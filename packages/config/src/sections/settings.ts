/**
 * The small sections: mesh, infrastructure and logging. Every key has a default, so each
 * section may be left out; the YAML nesting is flattened into the FusionConfig shape here.
 */
import type {
  ControlPlaneSettings,
  InfrastructureSettings,
  LoggingSettings,
  MeshSettings,
  ObservabilitySettings,
} from '@fusion/mesh-types';
import {
  bool,
  decimal,
  duration,
  int,
  nonEmpty,
  object,
  oneOf,
  optional,
  type Schema,
  section,
  string,
  transform,
  withDefault,
} from '../schema/index.ts';
import { dnsLabel, dnsName, httpUrl } from './names.ts';

const SECOND = 1_000;
const HOUR = 3_600_000;

export const INBOUND_POLICIES = [
  'deny',
  'all-authenticated',
  'all-unauthenticated',
  'cluster-authenticated',
  'cluster-unauthenticated',
  'audit',
] as const;

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const;

const identity = object({
  // Below a second, certificates would expire while being handed out.
  certificateLifetime: withDefault(duration({ min: SECOND }), 24 * HOUR),
  clockSkewAllowance: withDefault(duration(), 20 * SECOND),
});

// The bounds the sidecar accepts (packages/proxy/src/env/http1-env.ts), so that a value
// fusion.yaml takes never stops a sidecar from starting.
const http1 = object({
  maxRequestLineBytes: withDefault(int(256, 1_048_576), 8_192),
  maxHeaderBytes: withDefault(int(1_024, 16_777_216), 65_536),
  maxHeaders: withDefault(int(8, 10_000), 100),
  headerTimeout: withDefault(duration({ min: 100, max: HOUR }), 10 * SECOND),
  idleTimeout: withDefault(duration({ min: SECOND, max: 24 * HOUR }), 60 * SECOND),
});

// The sidecar's own bounds (packages/proxy/src/env/proxy-env.ts, FUSION_PROXY_AUDIT_*).
const audit = object({
  allowed: withDefault(decimal(0, 1), 1),
  maxFileBytes: withDefault(int(4_096, Number.MAX_SAFE_INTEGER), 16 * 1024 * 1024),
});

export const mesh = transform(
  object({
    trustDomain: withDefault(string(dnsName), 'cluster.local'),
    namespace: withDefault(string(dnsLabel), 'default'),
    identity: section(identity),
    defaultInboundPolicy: withDefault(oneOf(INBOUND_POLICIES), 'all-authenticated'),
    proxyLogLevel: withDefault(string(nonEmpty), 'warn,linkerd=info'),
    accessLog: withDefault(oneOf(['off', 'json'] as const), 'off'),
    http1: section(http1),
    audit: section(audit),
  }),
  (m): MeshSettings => ({
    trustDomain: m.trustDomain,
    namespace: m.namespace,
    certificateLifetimeMs: m.identity.certificateLifetime,
    clockSkewAllowanceMs: m.identity.clockSkewAllowance,
    defaultInboundPolicy: m.defaultInboundPolicy,
    proxyLogLevel: m.proxyLogLevel,
    accessLog: m.accessLog,
    http1: {
      maxRequestLineBytes: m.http1.maxRequestLineBytes,
      maxHeaderBytes: m.http1.maxHeaderBytes,
      maxHeaders: m.http1.maxHeaders,
      headerTimeoutMs: m.http1.headerTimeout,
      idleTimeoutMs: m.http1.idleTimeout,
    },
    audit: { allowedShare: m.audit.allowed, maxFileBytes: m.audit.maxFileBytes },
  }),
);

export const DEFAULT_POSTGRES_PORT = 55432;

const embedded = object({
  // 55432, not 5432: a developer's own PostgreSQL is usually on the standard port.
  port: withDefault(int(1, 65535), DEFAULT_POSTGRES_PORT),
  dataDir: withDefault(string(nonEmpty), 'data/postgres'),
  maxConnections: withDefault(int(1, 1000), 32),
});

export const infrastructure = transform(
  object({ postgres: section(object({ embedded: section(embedded) })) }),
  (i): InfrastructureSettings => ({
    postgres: {
      embeddedPort: i.postgres.embedded.port,
      embeddedDataDir: i.postgres.embedded.dataDir,
      embeddedMaxConnections: i.postgres.embedded.maxConnections,
    },
  }),
);

export const logging: Schema<LoggingSettings> = object({
  level: withDefault(oneOf(LOG_LEVELS), 'info'),
});

export const DEFAULT_IDENTITY_PORT = 8080;
export const DEFAULT_DESTINATION_PORT = 8086;
export const DEFAULT_CONTROL_PLANE_ADMIN_PORT = 9990;
export const DEFAULT_API_PORT = 8084;

export const controlPlane = transform(
  object({
    identity: section(object({ port: withDefault(int(1, 65535), DEFAULT_IDENTITY_PORT) })),
    destination: section(object({ port: withDefault(int(1, 65535), DEFAULT_DESTINATION_PORT) })),
    adminPort: withDefault(int(1, 65535), DEFAULT_CONTROL_PLANE_ADMIN_PORT),
    api: section(object({ port: withDefault(int(1, 65535), DEFAULT_API_PORT) })),
  }),
  (c): ControlPlaneSettings => ({
    identityPort: c.identity.port,
    destinationPort: c.destination.port,
    adminPort: c.adminPort,
    apiPort: c.api.port,
  }),
);

export const DEFAULT_PROMETHEUS_PORT = 9090;
/** OTLP/HTTP's standard port. */
export const DEFAULT_TRACE_RECEIVER_PORT = 4318;

export const observability = transform(
  object({
    prometheus: section(
      object({
        enabled: withDefault(bool(), true),
        port: withDefault(int(1, 65535), DEFAULT_PROMETHEUS_PORT),
        // At least an hour: less would drop what the alerts and dashboards look back over.
        retention: withDefault(duration({ min: HOUR }), 24 * HOUR),
      }),
    ),
    tracing: section(
      object({
        sampling: withDefault(decimal(0, 1), 0.1),
        receiverPort: withDefault(int(1, 65535), DEFAULT_TRACE_RECEIVER_PORT),
        collector: optional(string(httpUrl)),
      }),
    ),
  }),
  (o): ObservabilitySettings => ({
    prometheus: {
      enabled: o.prometheus.enabled,
      port: o.prometheus.port,
      retentionMs: o.prometheus.retention,
    },
    tracing: {
      sampling: o.tracing.sampling,
      receiverPort: o.tracing.receiverPort,
      ...(o.tracing.collector !== undefined && { collector: o.tracing.collector }),
    },
  }),
);
