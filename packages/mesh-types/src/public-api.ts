/**
 * The control plane's public API (`controlPlane.api.port`, 8084): read-only JSON over plain
 * HTTP on loopback, for the CLI and the dashboard. Every path sits under a version prefix; a
 * field is only ever added to a v1 body, never renamed or removed (docs/api.md lists them all).
 */
import type { ServiceProtocol } from './config.ts';
import type { Diagnostic } from './diagnostics.ts';
import type { PolicyField } from './policy-fields.ts';

export const API_V1_PREFIX = '/api/v1';

/** The paths, with `{name}` where a path segment is a service name. */
export const API_V1_PATHS = [
  '/api/v1',
  '/api/v1/services',
  '/api/v1/services/{name}',
  '/api/v1/config',
  '/api/v1/policies',
  '/api/v1/policies/{name}',
  '/api/v1/identities',
] as const;

/** `GET /api/v1`: what this API serves. */
export interface ApiIndex {
  readonly version: 'v1';
  readonly paths: readonly string[];
}

/** A diagnostic with its `file:line:col: reason` text, as the CLI prints it. */
export interface ApiDiagnostic extends Diagnostic {
  readonly text: string;
}

/** `GET /api/v1/config`: the fusion.yaml in force, and the last one refused. */
export interface ApiConfig {
  /** `sha256:` + 16 hex digits of the validated config: equal files in effect, equal versions. */
  readonly version: string;
  /** 1 for the file read at start, one more for every change applied since. */
  readonly generation: number;
  /** When this generation was applied (ISO time). */
  readonly loadedAt: string;
  /** The file the control plane reads and watches (absolute). */
  readonly file: string;
  readonly services: readonly string[];
  readonly warnings: readonly ApiDiagnostic[];
  /** Written policy settings the sidecar does not enforce yet, where they were written. */
  readonly notEnforced: readonly {
    readonly path: string;
    readonly field: PolicyField;
    readonly reason: string;
  }[];
  /**
   * fusion.yaml keys the control plane read at start and does not apply while running, where
   * the file in force differs (`mesh.trustDomain`, `controlPlane.api.port`, …). Policy is
   * applied live, and `fusion up` restarts processes whose own settings changed.
   */
  readonly restartRequired: readonly string[];
  /** Set while the file on disk is refused: the generation above stays in force meanwhile. */
  readonly lastError: ApiConfigError | null;
  /** Reads of the file since start, by outcome. */
  readonly reloads: {
    readonly applied: number;
    readonly refused: number;
    readonly unchanged: number;
  };
}

export interface ApiConfigError {
  /** When the file was refused (ISO time). */
  readonly at: string;
  readonly errors: readonly ApiDiagnostic[];
}

/**
 * `live`: heartbeats arrive as asked and the endpoint is ready. `unready`: heartbeats arrive but
 * its readiness probe fails (or has not passed yet), so callers are not sent to it. `stale`: at
 * least one heartbeat was missed, and the endpoint leaves the set when its lease expires unless
 * one arrives first.
 */
export type ApiEndpointState = 'live' | 'unready' | 'stale';

export interface ApiEndpoint {
  readonly address: string;
  readonly instance: string;
  /** Taken from the registering proxy's certificate. */
  readonly identity: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly state: ApiEndpointState;
  readonly registeredAt: string;
  readonly lastHeartbeatAt: string;
  readonly leaseExpiresAt: string;
}

/** `GET /api/v1/services/{name}`, and each entry of the list. */
export interface ApiService {
  readonly name: string;
  /** In the fusion.yaml in force; false for a service only known from registrations. */
  readonly configured: boolean;
  readonly port: number | null;
  readonly replicas: number | null;
  readonly protocol: ServiceProtocol | null;
  /** The version of the policy its proxies are sent; null when not configured. */
  readonly policyVersion: string | null;
  readonly endpoints: readonly ApiEndpoint[];
}

/** `GET /api/v1/services`. */
export interface ApiServiceList {
  /** False while a freshly started control plane rebuilds its registry (decision 0008). */
  readonly complete: boolean;
  readonly services: readonly ApiService[];
}

/** `GET /api/v1/policies`; `GET /api/v1/policies/{name}` is the ServicePolicy itself. */
export interface ApiPolicyList {
  /** The config version the policies were compiled from. */
  readonly configVersion: string;
  readonly policies: readonly { readonly service: string; readonly version: string }[];
}

export interface ApiCertificate {
  readonly subject: string;
  readonly serial: string;
  readonly notBefore: string;
  readonly notAfter: string;
}

/** `GET /api/v1/identities`. */
export interface ApiIdentities {
  readonly trustDomain: string;
  /** The issuer (intermediate) signing workload certificates now. */
  readonly issuer: ApiCertificate;
  readonly anchors: readonly ApiCertificate[];
  /** Certify calls since the control plane started. */
  readonly certificates: {
    readonly issued: number;
    readonly refused: Readonly<Record<string, number>>;
  };
  /** The names the control plane's own servers prove. */
  readonly controlPlane: { readonly identity: string; readonly destination: string };
  /** Workload identities with an endpoint registered now. */
  readonly workloads: readonly {
    readonly identity: string;
    readonly service: string;
    readonly endpoints: number;
  }[];
}

export type ApiErrorCode = 'not-found' | 'method-not-allowed' | 'internal';

export interface ApiErrorBody {
  readonly error: { readonly code: ApiErrorCode; readonly message: string };
}
