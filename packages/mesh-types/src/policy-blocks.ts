/**
 * The policy blocks of fusion.yaml as written: the seed's `trafficPolicies` and
 * `circuitBreakers`, and the blocks that extend them in the same style (`authorizationPolicies`,
 * `rateLimits`, `faultInjections`). Durations are in ms, but nothing is defaulted here: a key
 * that was not written stays absent, so the compiler knows what the author asked for and can
 * say which of it the sidecar does not enforce yet. Defaults are filled in by the compiler.
 */
import type { InboundDefaultPolicy } from './config.ts';

export interface LabelSelector {
  /** Every label must match; `{}` selects every service. */
  readonly matchLabels: Readonly<Record<string, string>>;
}

/** Istio-style names the seed uses; inside the mesh every mode still means mTLS. */
export type TlsMode = 'DISABLE' | 'SIMPLE' | 'MUTUAL' | 'ISTIO_MUTUAL';

export type HttpMethod =
  | 'GET'
  | 'HEAD'
  | 'POST'
  | 'PUT'
  | 'DELETE'
  | 'CONNECT'
  | 'OPTIONS'
  | 'TRACE'
  | 'PATCH';

/** An inclusive range of HTTP statuses: `5xx` is 500–599, `503` is 503–503. */
export interface StatusRange {
  readonly min: number;
  readonly max: number;
}

/** A gRPC status code (`grpc-status`) that is retried: `unavailable` is 14. */
export interface GrpcStatusCondition {
  readonly grpcStatus: number;
}

/** One `retryOn` entry: HTTP statuses, or a gRPC status (Istio mixes them in one list too). */
export type RetryCondition = StatusRange | GrpcStatusCondition;

// --- trafficPolicies: what a calling service does on its way to a called one ---

/** `selector` picks the calling services; each rule's `destination` the called ones. */
export interface TrafficPolicy {
  readonly name: string;
  readonly selector: LabelSelector;
  readonly policy: {
    readonly traffic: readonly TrafficRule[];
  };
}

export interface TrafficRule {
  readonly destination: { readonly selector: LabelSelector };
  readonly policy: TrafficRulePolicy;
}

export interface TrafficRulePolicy {
  readonly tls?: { readonly mode: TlsMode };
  /** The whole request, retries included. */
  readonly timeoutMs?: number;
  readonly retries?: RetriesConfig;
  readonly retryBudget?: RetryBudgetConfig;
  /** Tried in order before the destination's own settings, which take what none matches. */
  readonly routes?: readonly RouteConfig[];
  readonly split?: readonly SplitBackendConfig[];
  readonly sessionAffinity?: SessionAffinityConfig;
  readonly mirror?: MirrorConfig;
}

/** A share of the requests copied to another service, its answers discarded. */
export interface MirrorConfig {
  readonly backend: string;
  /** 0–100. */
  readonly percentage: number;
}

export interface RetriesConfig {
  /** Retries after the first try (Istio's meaning; Linkerd's `retry.linkerd.io/limit`). */
  readonly attempts: number;
  readonly perTryTimeoutMs?: number;
  readonly retryOn?: readonly RetryCondition[];
  /**
   * Also retry POST and PATCH (and CONNECT) on a retryOn status. Off by default: such a request
   * may already have done its work when the answer failed (RFC 9110 §9.2.2).
   */
  readonly nonIdempotent?: boolean;
}

export interface RetryBudgetConfig {
  readonly retryRatio?: number;
  readonly minRetriesPerSecond?: number;
  readonly ttlMs?: number;
}

export interface RouteConfig {
  readonly name: string;
  readonly match: RouteMatchConfig;
  readonly timeoutMs?: number;
  readonly retries?: RetriesConfig;
  readonly split?: readonly SplitBackendConfig[];
  readonly mirror?: MirrorConfig;
}

/** Every condition given must hold; none given matches every request. */
export interface RouteMatchConfig {
  readonly path?: { readonly prefix: string } | { readonly exact: string };
  readonly method?: HttpMethod;
  /** Exact values, keyed by header name as written. */
  readonly headers?: Readonly<Record<string, string>>;
  /** Exact values of query parameters, keyed by name (case-sensitive, as the Gateway API). */
  readonly queryParams?: Readonly<Record<string, string>>;
}

export interface SplitBackendConfig {
  /** A service in fusion.yaml. */
  readonly backend: string;
  readonly weight?: number;
}

export type SessionAffinityConfig =
  | { readonly header: string }
  | { readonly cookie: { readonly name: string; readonly ttlMs?: number } };

// --- circuitBreakers ---

/** `selector` picks the calling services; `destination` narrows the called ones (default all). */
export interface CircuitBreaker {
  readonly name: string;
  readonly selector: LabelSelector;
  readonly destination?: { readonly selector: LabelSelector };
  readonly policy: {
    readonly maxConnections?: number;
    readonly maxRequests?: number;
    readonly maxPendingRequests?: number;
    readonly maxRetries?: number;
    readonly failureAccrual?: FailureAccrualConfig;
  };
}

export interface FailureAccrualConfig {
  readonly consecutiveFailures?: number;
  readonly minPenaltyMs?: number;
  readonly maxPenaltyMs?: number;
  readonly jitterRatio?: number;
}

// --- The callee's side: authorization, rate limits, fault injection ---

/** Who a rule is about: named services, identity patterns, callers without a certificate. */
export interface ClientsConfig {
  readonly services?: readonly string[];
  /** Exact identity names, `*`, or `*.suffix` (Linkerd's MeshTLSAuthentication). */
  readonly identities?: readonly string[];
  readonly unauthenticated?: boolean;
}

/** `selector` picks the called services, whose inbound proxies enforce the block. */
export interface AuthorizationPolicyBlock {
  readonly name: string;
  readonly selector: LabelSelector;
  readonly policy: {
    /** What happens to a request no rule admits (once any block selects a service: deny). */
    readonly default?: InboundDefaultPolicy;
    readonly allow?: readonly AuthorizationRuleConfig[];
  };
}

export interface AuthorizationRuleConfig {
  readonly clients: ClientsConfig;
  /** Absent: every request from those clients. */
  readonly routes?: readonly RouteMatchConfig[];
}

export interface RateLimitBlock {
  readonly name: string;
  readonly selector: LabelSelector;
  readonly policy: {
    readonly total?: RateConfig;
    readonly identity?: RateConfig;
    readonly overrides?: readonly RateOverrideConfig[];
  };
}

export interface RateConfig {
  readonly requestsPerSecond: number;
  readonly burst?: number;
}

export interface RateOverrideConfig extends RateConfig {
  readonly clients: ClientsConfig;
}

export interface FaultInjectionBlock {
  readonly name: string;
  readonly selector: LabelSelector;
  readonly policy: {
    readonly abort?: { readonly percentage: number; readonly httpStatus: number };
    readonly delay?: { readonly percentage: number; readonly fixedDelayMs: number };
    /** Only these replicas of the selected services inject the faults (`identity-2`). */
    readonly instances?: readonly string[];
    /** Only requests matching one of these (as `routes[].match`). */
    readonly routes?: readonly RouteMatchConfig[];
    /** Only requests from these callers (as authorization's `clients`). */
    readonly clients?: ClientsConfig;
  };
}
