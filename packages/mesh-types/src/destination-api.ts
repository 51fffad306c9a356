/**
 * The destination service's API: the one definition both the control plane and the proxy use.
 * `Get` keeps Linkerd's method path (`io.linkerd.proxy.destination.Destination/Get`); the
 * `fusion.destination.Registry` calls are ours, because on Kubernetes the API server says where
 * pods are and here each proxy says it for itself. JSON over HTTP/2 with TLS 1.3, a mesh client
 * certificate on every call (see docs/decisions/0008-destination-api.md).
 */

export const REGISTER_PATH = '/fusion.destination.Registry/Register';
export const HEARTBEAT_PATH = '/fusion.destination.Registry/Heartbeat';
export const DEREGISTER_PATH = '/fusion.destination.Registry/Deregister';
export const GET_PATH = '/io.linkerd.proxy.destination.Destination/Get';

/** The Get response body: one JSON DestinationUpdate per line. */
export const NDJSON_CONTENT_TYPE = 'application/x-ndjson';

/** Sent by a proxy once its inbound listener is up. */
export interface RegisterRequest {
  /** `host:port` (`[v6]:port`) other proxies dial: the proxy's inbound listener. */
  readonly address: string;
  /** Must be the service of the caller's certificate identity; anything else is refused. */
  readonly service: string;
  /** Which replica this is (`ai-kernel-1`); shown to operators, not used for routing. */
  readonly instance: string;
  /** At most 32, keys up to 63 and values up to 256 characters. */
  readonly labels?: Readonly<Record<string, string>>;
  /**
   * The app's readiness path. When given, the control plane GETs it through the endpoint's
   * own inbound listener, over mTLS as any caller would, and sends the endpoint to callers only
   * while it answers 2xx: from the first success, until two probes in a row fail. Without it
   * (an opaque TCP app) the endpoint is in the set from registration.
   */
  readonly readiness_path?: string;
}

/** What Register and Heartbeat return: the lease that keeps the endpoint in the set. */
export interface LeaseResponse {
  readonly lease_id: string;
  /** The endpoint leaves the set this long after the last Register or Heartbeat. */
  readonly ttl_ms: number;
  /** How often the server asks to be told the endpoint is still there (well inside ttl_ms). */
  readonly heartbeat_ms: number;
}

export interface HeartbeatRequest {
  readonly lease_id: string;
}

export interface DeregisterRequest {
  readonly lease_id: string;
}

export interface DeregisterResponse {
  /** False when the lease was already gone (expired, or never known to this server). */
  readonly removed: boolean;
}

/** Opens the watch of one service; the response stays open and pushes every change. */
export interface GetRequest {
  /** The logical service name (`ai-kernel`), not an authority. */
  readonly service: string;
}

export interface DestinationEndpoint {
  /** `host:port` to dial. */
  readonly address: string;
  /**
   * The identity the peer's certificate must name (its DNS SAN). The server takes it from the
   * registering proxy's own client certificate, never from what the proxy claimed.
   */
  readonly identity: string;
  readonly instance: string;
  readonly labels: Readonly<Record<string, string>>;
}

/**
 * One line of the Get stream. Every line carries the service's whole set, not a delta: sets are
 * a handful of replicas, and a whole set lets a reconnecting client resynchronise from one line
 * and a slow one skip straight to the newest.
 */
export interface DestinationUpdate {
  readonly service: string;
  /**
   * Grows with every change to this service's set on this control plane. A restarted control
   * plane counts from 1 again, so compare versions only within one stream.
   */
  readonly version: number;
  /** False: the mesh has no such service (Linkerd's `NoEndpoints { exists: false }`). */
  readonly exists: boolean;
  /**
   * False while a freshly started control plane is still rebuilding its registry from
   * re-registrations: live endpoints may be missing, so a client holding an older set should
   * add what it receives and remove nothing until a complete set arrives (it always does,
   * once the rebuild window closes).
   */
  readonly complete: boolean;
  readonly endpoints: readonly DestinationEndpoint[];
}

/**
 * Why a destination call was refused. Stable: the `reason` label of
 * `destination_registrations_refused_total`, and what clients branch on.
 */
export type DestinationRefusalCode =
  | 'malformed-request'
  | 'client-certificate-required'
  | 'client-identity-invalid'
  | 'service-identity-mismatch'
  | 'lease-unknown'
  | 'lease-identity-mismatch'
  | 'not-found'
  | 'method-not-allowed'
  | 'shutting-down';

export interface DestinationErrorBody {
  readonly error: { readonly code: DestinationRefusalCode; readonly message: string };
}

/**
 * HTTP status for each refusal. `lease-unknown` is 404 because the remedy is to register
 * again: the control plane restarted, or the lease lapsed while the proxy could not reach it.
 */
export const DESTINATION_REFUSAL_STATUS: Readonly<Record<DestinationRefusalCode, number>> = {
  'malformed-request': 400,
  'client-certificate-required': 403,
  'client-identity-invalid': 403,
  'service-identity-mismatch': 403,
  'lease-unknown': 404,
  'lease-identity-mismatch': 403,
  'not-found': 404,
  'method-not-allowed': 405,
  'shutting-down': 503,
};
