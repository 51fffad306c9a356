/**
 * One access decision as the inbound sidecars record it in their audit logs (one JSON line each)
 * and `fusion audit` reads it back.
 */
export interface AuditRecord {
  /** ISO 8601, milliseconds. */
  readonly time: string;
  readonly decision: 'allow' | 'deny';
  /** What decided: an authorization rule, `default:<policy>`, or `ratelimit:<scope>`. */
  readonly policy: string;
  /** The service called, and which replica's sidecar decided. */
  readonly service: string;
  readonly instance: string;
  /** The caller's mesh identity, or `unauthenticated`. */
  readonly caller: string;
  /** The caller's address as this sidecar saw it. */
  readonly peer: string | undefined;
  readonly tls: boolean;
  readonly method: string;
  /** The path without its query, which may carry secrets. */
  readonly path: string;
  /** From `traceparent`, when the request carries one. */
  readonly traceId?: string;
  readonly reason?: string;
}
