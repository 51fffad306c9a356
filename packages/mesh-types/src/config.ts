/**
 * The shape of a validated fusion.yaml. `packages/config` produces it; the CLI, the
 * control plane and the proxy read it. Durations are already converted to milliseconds
 * and every default is filled in (the policy blocks excepted: they stay as written until
 * compiled), so readers never re-interpret raw YAML.
 */
import type {
  AuthorizationPolicyBlock,
  CircuitBreaker,
  FaultInjectionBlock,
  RateLimitBlock,
  TrafficPolicy,
} from './policy-blocks.ts';

/** A validated fusion.yaml with every default applied. */
export interface FusionConfig {
  /** Schema version of the file; only 1 exists today. */
  readonly version: 1;
  readonly mesh: MeshSettings;
  readonly infrastructure: InfrastructureSettings;
  readonly controlPlane: ControlPlaneSettings;
  readonly observability: ObservabilitySettings;
  readonly logging: LoggingSettings;
  /** Keyed by service name, in file order. */
  readonly services: Readonly<Record<string, ServiceConfig>>;
  /**
   * The policy blocks, in file order, kept as written (durations in ms, nothing defaulted):
   * `compilePolicies` in @fusion/config turns them into one ServicePolicy per service.
   */
  readonly trafficPolicies: readonly TrafficPolicy[];
  readonly circuitBreakers: readonly CircuitBreaker[];
  readonly authorizationPolicies: readonly AuthorizationPolicyBlock[];
  readonly rateLimits: readonly RateLimitBlock[];
  readonly faultInjections: readonly FaultInjectionBlock[];
}

export interface MeshSettings {
  /** Identity trust domain, e.g. `cluster.local` (Linkerd's default). */
  readonly trustDomain: string;
  /** Namespace part of every workload identity. */
  readonly namespace: string;
  /** Lifetime of workload leaf certificates, ms (default 24 h). */
  readonly certificateLifetimeMs: number;
  /** Allowance for clock skew when issuing certificates, ms (default 20 s). */
  readonly clockSkewAllowanceMs: number;
  /** Inbound default authorization policy, with Linkerd's value names. */
  readonly defaultInboundPolicy: InboundDefaultPolicy;
  /** Proxy log filter, `LINKERD2_PROXY_LOG` syntax (default `warn,linkerd=info`). */
  readonly proxyLogLevel: string;
  /** Linkerd's access log in every sidecar: a JSON line per inbound request, or none. */
  readonly accessLog: 'off' | 'json';
  /** The sidecars' HTTP/1.1 engine: its limits and timeouts on every listener. */
  readonly http1: Http1Settings;
  /** The audit log of access decisions each inbound sidecar keeps. */
  readonly audit: AuditSettings;
}

export interface AuditSettings {
  /** Share of allowed requests recorded, 0–1 (default 1: all); denials always are. */
  readonly allowedShare: number;
  /** Each sidecar's file is rotated past this size (default 16 MiB; one older file is kept). */
  readonly maxFileBytes: number;
}

export interface Http1Settings {
  /** Longer request line: 414 (default 8192). */
  readonly maxRequestLineBytes: number;
  /** Larger header section: 431 (default 65536). */
  readonly maxHeaderBytes: number;
  /** More header fields: 431 (default 100). */
  readonly maxHeaders: number;
  /** A request head not complete this long after its first byte: 408, ms (default 10 s). */
  readonly headerTimeoutMs: number;
  /** An idle kept-alive client connection is closed after this, ms (default 60 s). */
  readonly idleTimeoutMs: number;
}

export type InboundDefaultPolicy =
  | 'deny'
  | 'all-authenticated'
  | 'all-unauthenticated'
  | 'cluster-authenticated'
  | 'cluster-unauthenticated'
  | 'audit';

export interface InfrastructureSettings {
  readonly postgres: PostgresSettings;
}

export interface PostgresSettings {
  /**
   * Port of the embedded PostgreSQL (PGlite over the wire protocol) used when
   * DATABASE_URL is unset. Default 55432, away from a real server's 5432.
   */
  readonly embeddedPort: number;
  /** Data directory of the embedded server, relative to the state directory. */
  readonly embeddedDataDir: string;
  /** Connections the embedded server multiplexes onto its single session. */
  readonly embeddedMaxConnections: number;
}

export interface ControlPlaneSettings {
  /** The identity service (certificate authority), TLS (Linkerd's identity port: 8080). */
  readonly identityPort: number;
  /** The destination service: discovery and policy for proxies, mTLS (Linkerd's 8086). */
  readonly destinationPort: number;
  /** The control plane's admin listener: /ready, /live, /metrics (Linkerd's 9990). */
  readonly adminPort: number;
  /** The public API: read-only JSON for the CLI and the dashboard, plain HTTP on loopback. */
  readonly apiPort: number;
}

/** The observability tier `fusion up` runs beside the platform. */
export interface ObservabilitySettings {
  readonly prometheus: {
    /** false: `fusion up` does not start Prometheus. */
    readonly enabled: boolean;
    /** Its HTTP API and UI, on loopback (Prometheus's own default: 9090). */
    readonly port: number;
    /** How long samples are kept, ms (`--storage.tsdb.retention.time`). */
    readonly retentionMs: number;
  };
  readonly tracing: {
    /** Share (0–1) of new traces the sidecars sample; a caller's decision always wins. */
    readonly sampling: number;
    /** The control plane's embedded OTLP/HTTP receiver and Jaeger query API, on loopback. */
    readonly receiverPort: number;
    /** Send spans here (an OTLP/HTTP base URL) instead of the embedded receiver. */
    readonly collector?: string;
  };
}

export interface LoggingSettings {
  /** Default level of every service's logger. */
  readonly level: LogLevel;
}

export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal';

export type ServiceProtocol = 'http' | 'http2' | 'grpc' | 'tcp';

/**
 * A service's instances by name: instance 0 is the service's own name and instance N is
 * `name-N`, so scaling from 1 to 3 adds `name-1` and `name-2` and leaves the running one alone.
 */
export function replicaNames(service: Pick<ServiceConfig, 'name' | 'replicas'>): string[] {
  return Array.from({ length: service.replicas }, (_, i) =>
    i === 0 ? service.name : `${service.name}-${i}`,
  );
}

export interface ServiceConfig {
  readonly name: string;
  /** The port the service is published on (the seed's 8000–8008). */
  readonly port: number;
  /** How it starts: exactly one of `entry` (a TypeScript/JavaScript file run by Node) or `command`. */
  readonly start: ServiceStart;
  readonly replicas: number;
  readonly protocol: ServiceProtocol;
  /** Services this one calls; they are started (and ready) first. */
  readonly dependsOn: readonly string[];
  /** Owns data: gets its own PostgreSQL schema, named after the service. */
  readonly database: boolean;
  /** Reachable from outside the mesh (only the api-gateway by default). */
  readonly external: boolean;
  /**
   * Another version (a canary, the green of blue/green, a shadow) of this service: it runs that
   * service's program under that name (so its schema and metrics are that program's), with its
   * own port, replicas and mesh identity.
   */
  readonly versionOf?: string;
  /** Labels used by policy selectors; always contains `app: <name>`. */
  readonly labels: Readonly<Record<string, string>>;
  /** Extra environment for the process. */
  readonly env: Readonly<Record<string, string>>;
  readonly readiness: ReadinessSettings;
}

export type ServiceStart =
  | { readonly kind: 'entry'; readonly entry: string }
  | { readonly kind: 'command'; readonly command: readonly string[] };

export interface ReadinessSettings {
  /** HTTP path polled until it answers 2xx (default `/ready`). */
  readonly path: string;
  /** How long to wait for readiness before the start counts as failed, ms. */
  readonly timeoutMs: number;
}
