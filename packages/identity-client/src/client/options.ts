/** What an IdentityClient is configured with, and the defaults Linkerd's proxy uses. */
import type { Logger, Registry } from '@fusion/telemetry';
import { createLogger } from '@fusion/telemetry';

export interface IdentityClientOptions {
  /** `LINKERD2_PROXY_IDENTITY_LOCAL_NAME`, e.g. `ai-kernel.default.serviceaccount.identity.cluster.local`. */
  identity: string;
  /** `LINKERD2_PROXY_IDENTITY_TOKEN_FILE`: re-read on every certify, because the supervisor rotates it. */
  tokenFile: string;
  /** `LINKERD2_PROXY_IDENTITY_TRUST_ANCHORS`: PEM roots, for the identity service and for peers. */
  trustAnchorsPem: string;
  /** `LINKERD2_PROXY_IDENTITY_SVC_ADDR`: `host:port` of the identity service. */
  identityAddr: string;
  /** `LINKERD2_PROXY_IDENTITY_SVC_NAME`: the identity service's own identity (a DNS SAN of its certificate). */
  identityServerName: string;
  /** `LINKERD2_PROXY_IDENTITY_MIN_REFRESH`; default 10 s. */
  minRefreshMs?: number;
  /** `LINKERD2_PROXY_IDENTITY_MAX_REFRESH`; default 24 h. */
  maxRefreshMs?: number;
  /**
   * Backoff after a failed certify: from `initialMs`, doubling up to `maxMs`. Defaults: 1 s, and
   * at most min(minRefresh, 30 s) — never slower than Linkerd, which retries after min_refresh.
   */
  retryBackoff?: { initialMs: number; maxMs: number };
  /** How long one certify call may take before it counts as failed; default 10 s. */
  certifyTimeoutMs?: number;
  registry?: Registry;
  logger?: Logger;
  now?: () => number;
  random?: () => number;
}

export const DEFAULT_MIN_REFRESH_MS = 10_000;
export const DEFAULT_MAX_REFRESH_MS = 24 * 3_600_000;
export const DEFAULT_RETRY_INITIAL_MS = 1_000;
export const RETRY_CEILING_MS = 30_000;
export const DEFAULT_CERTIFY_TIMEOUT_MS = 10_000;

export interface ResolvedOptions {
  readonly identity: string;
  readonly tokenFile: string;
  readonly trustAnchorsPem: string;
  readonly identityAddr: string;
  readonly identityServerName: string;
  readonly refresh: { readonly minRefreshMs: number; readonly maxRefreshMs: number };
  readonly retry: { readonly initialMs: number; readonly maxMs: number };
  readonly certifyTimeoutMs: number;
  readonly registry: Registry | undefined;
  readonly logger: Logger;
  readonly now: () => number;
  readonly random: () => number;
}

/** Fills in defaults and refuses settings that would make the refresh timer misbehave. */
export function resolveOptions(options: IdentityClientOptions): ResolvedOptions {
  const minRefreshMs = options.minRefreshMs ?? DEFAULT_MIN_REFRESH_MS;
  const maxRefreshMs = options.maxRefreshMs ?? DEFAULT_MAX_REFRESH_MS;
  requireDelay('minRefreshMs', minRefreshMs);
  requireDelay('maxRefreshMs', maxRefreshMs);
  if (minRefreshMs > maxRefreshMs) {
    throw new RangeError(`minRefreshMs (${minRefreshMs}) is above maxRefreshMs (${maxRefreshMs})`);
  }
  const retryMaxMs = options.retryBackoff?.maxMs ?? Math.min(minRefreshMs, RETRY_CEILING_MS);
  const retryInitialMs =
    options.retryBackoff?.initialMs ?? Math.min(DEFAULT_RETRY_INITIAL_MS, retryMaxMs);
  requireDelay('retryBackoff.initialMs', retryInitialMs);
  requireDelay('retryBackoff.maxMs', retryMaxMs);
  const certifyTimeoutMs = options.certifyTimeoutMs ?? DEFAULT_CERTIFY_TIMEOUT_MS;
  requireDelay('certifyTimeoutMs', certifyTimeoutMs);
  return {
    identity: options.identity,
    tokenFile: options.tokenFile,
    trustAnchorsPem: options.trustAnchorsPem,
    identityAddr: options.identityAddr,
    identityServerName: options.identityServerName,
    refresh: { minRefreshMs, maxRefreshMs },
    retry: { initialMs: retryInitialMs, maxMs: Math.max(retryInitialMs, retryMaxMs) },
    certifyTimeoutMs,
    registry: options.registry,
    logger: options.logger ?? createLogger({ service: 'identity-client', component: 'identity' }),
    now: options.now ?? Date.now,
    random: options.random ?? Math.random,
  };
}

function requireDelay(name: string, value: number): void {
  // A zero or NaN delay would turn a failing identity service into a busy loop.
  if (!(Number.isFinite(value) && value > 0)) {
    throw new RangeError(`${name} must be a positive number of milliseconds, got ${value}`);
  }
}
