/**
 * Per-service policy: what the destination service pushes to each proxy, compiled from
 * fusion.yaml by `compilePolicies` in @fusion/config. Plain JSON (no Maps, no classes, no
 * undefined values); durations in ms, each named for its unit (`timeoutMs`), and every
 * default already filled in, so a proxy reads it without knowing fusion.yaml's syntax.
 */
import type { InboundDefaultPolicy } from './config.ts';
import type { HttpMethod, StatusRange, TlsMode } from './policy-blocks.ts';

export interface ServicePolicy {
  readonly service: string;
  /**
   * `sha256:` and 16 hex digits of everything else in this object: equal policies have equal
   * versions, so a proxy can skip a push that changes nothing and logs can name what is loaded.
   */
  readonly version: string;
  /** Applied by this service's inbound proxy, to everyone who calls it. */
  readonly inbound: InboundPolicy;
  /**
   * Applied by this service's outbound proxy, keyed by called service, in fusion.yaml's service
   * order. A service missing here gets no policy: plain balancing, no retries or timeouts.
   */
  readonly outbound: Readonly<Record<string, OutboundPolicy>>;
}

// --- Inbound: this service as the callee ---

export interface InboundPolicy {
  readonly authorization: InboundAuthorization;
  readonly rateLimit?: RateLimitPolicy;
  readonly faultInjection?: FaultInjectionPolicy;
}

export interface InboundAuthorization {
  /**
   * For requests no rule admits. `mesh.defaultInboundPolicy` when no authorization block
   * selects the service; `deny` once one does, unless the block says otherwise (Linkerd's
   * Server `accessPolicy`).
   */
  readonly defaultPolicy: InboundDefaultPolicy;
  /** A request is admitted when any rule admits it. */
  readonly rules: readonly AuthorizationRule[];
}

export interface AuthorizationRule {
  /** `<block name>[<rule index>]`: the `authz_name` label of Linkerd's authorization metrics. */
  readonly name: string;
  readonly clients: ClientMatch;
  /** The requests the rule covers; empty means every request. */
  readonly routes: readonly RouteMatch[];
}

/**
 * Whether `identity` is one an authorization or rate-limit entry names: exactly, by `*` (any
 * meshed caller), or by `*.suffix` (Linkerd's MeshTLSAuthentication wildcards).
 */
export function identityMatches(pattern: string, identity: string): boolean {
  if (pattern === '*' || pattern === identity) return true;
  return pattern.startsWith('*.') && identity.endsWith(pattern.slice(1));
}

export interface ClientMatch {
  /** Exact identity names, `*` (any meshed client) or `*.suffix`. */
  readonly identities: readonly string[];
  /** Also callers without a mesh certificate (only an external service has any). */
  readonly unauthenticated: boolean;
}

/** Linkerd's HTTPLocalRateLimitPolicy: local to each inbound proxy, GCRA. */
export interface RateLimitPolicy {
  /** All callers together. */
  readonly total?: RateLimit;
  /** Each client identity alone; all unauthenticated callers share one bucket. */
  readonly identity?: RateLimit;
  /** Limits for particular identities instead of `identity`. */
  readonly overrides: readonly RateLimitOverride[];
}

export interface RateLimit {
  readonly requestsPerSecond: number;
  /** Requests allowed at once above the steady rate (GCRA tolerance × rate). */
  readonly burst: number;
}

export interface RateLimitOverride extends RateLimit {
  readonly identities: readonly string[];
}

/** Each share is drawn on its own, so a request may be both delayed and then aborted. */
export interface FaultInjectionPolicy {
  /** Answer `percentage` (0–100) of requests with `status` instead of passing them on. */
  readonly abort?: FaultShare & { readonly status: number };
  /** Hold `percentage` (0–100) of requests for `delayMs` before passing them on. */
  readonly delay?: FaultShare & { readonly delayMs: number };
}

export interface FaultShare {
  readonly percentage: number;
  /** Only these replicas (instance names) inject it; every replica when absent. */
  readonly instances?: readonly string[];
  /** Only requests matching one of these; every request when absent. */
  readonly routes?: readonly RouteMatch[];
  /** Only requests from these callers; every caller when absent. */
  readonly clients?: ClientMatch;
}

// --- Outbound: this service calling one destination ---

export interface OutboundPolicy {
  /** The called service (the key this sits under). */
  readonly service: string;
  readonly tls?: { readonly mode: TlsMode };
  /**
   * Tried in order; the first whose `match` accepts a request takes it. The last is always
   * `default`, which matches everything and carries the destination's own settings.
   */
  readonly routes: readonly OutboundRoute[];
  /** Shared by every route of the destination (Linkerd's ServiceProfile retryBudget). */
  readonly retryBudget?: RetryBudget;
  readonly circuitBreaker?: CircuitBreakerPolicy;
  readonly sessionAffinity?: SessionAffinity;
}

export interface OutboundRoute {
  /** From fusion.yaml; `default` for the last route. The `route` metric label. */
  readonly name: string;
  readonly match: RouteMatch;
  /** The whole request, retries included; the proxy answers 504 when it runs out. */
  readonly timeoutMs?: number;
  readonly retries?: RetryPolicy;
  /** Where requests go, by weight; a destination that is not split has itself, weight 1. */
  readonly backends: readonly WeightedBackend[];
  /** A share copied to another service; its answers are discarded. */
  readonly mirror?: { readonly service: string; readonly percentage: number };
}

/** Every condition present must hold; `{ headers: [] }` matches every request. */
export interface RouteMatch {
  readonly path?: { readonly kind: 'exact' | 'prefix'; readonly value: string };
  readonly method?: HttpMethod;
  /** Names in lower case; values compared exactly. */
  readonly headers: readonly { readonly name: string; readonly value: string }[];
  /** Query parameters: names and values compared exactly (the first value of a name). */
  readonly queryParams?: readonly { readonly name: string; readonly value: string }[];
}

export interface RetryPolicy {
  /** Retries after the first try; 0 turns inherited retries off for a route. */
  readonly limit: number;
  readonly perTryTimeoutMs?: number;
  /** Response statuses that are retried. */
  readonly retryOn: readonly StatusRange[];
  /**
   * gRPC status codes that are retried, from the trailers (or a trailers-only answer), whatever
   * the method: every gRPC call is a POST, and naming a code is the opt-in.
   */
  readonly retryOnGrpc: readonly number[];
  /** Whether a non-idempotent request (POST, PATCH) is retried on a retryOn status too. */
  readonly nonIdempotent: boolean;
}

export interface RetryBudget {
  /** Retries allowed per original request, over `ttlMs`. */
  readonly retryRatio: number;
  /** Retries always allowed, whatever the ratio. */
  readonly minRetriesPerSecond: number;
  readonly ttlMs: number;
}

export interface WeightedBackend {
  readonly service: string;
  readonly weight: number;
}

/** Istio's connection-pool limits, per destination and per proxy; absent means no limit. */
export interface CircuitBreakerPolicy {
  /** Connections open to the destination at once. */
  readonly maxConnections?: number;
  /** Requests in flight to the destination at once. */
  readonly maxRequests?: number;
  /** Requests waiting for a connection; Linkerd's backend queue capacity. */
  readonly maxPendingRequests?: number;
  /** Retries in flight to the destination at once. */
  readonly maxRetries?: number;
  readonly failureAccrual?: FailureAccrual;
}

/** Linkerd's consecutive failure accrual: an endpoint is ejected, then probed with backoff. */
export interface FailureAccrual {
  readonly kind: 'consecutive';
  /** Failures in a row (5xx) that eject an endpoint. */
  readonly maxFailures: number;
  /** First wait before one probe request is let through. */
  readonly minPenaltyMs: number;
  /** The exponential backoff between failed probes stops growing here. */
  readonly maxPenaltyMs: number;
  readonly jitterRatio: number;
}

/**
 * Keeps a client on one endpoint of a backend. A request without the header is balanced as
 * usual; one without the cookie is balanced and its response sets the cookie (with `ttlMs` as
 * Max-Age when given, else for the browser session).
 */
export type SessionAffinity =
  | { readonly kind: 'header'; readonly name: string }
  | { readonly kind: 'cookie'; readonly name: string; readonly ttlMs?: number };
