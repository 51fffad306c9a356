/**
 * The policy fields by name, and which of them the sidecar enforces. The config loader warns
 * about every field written in fusion.yaml that is compiled but not in ENFORCED_POLICY_FIELDS,
 * so nobody believes a retry or a rate limit protects them when it does not. When the proxy
 * learns to enforce a field, it adds the field here, and the warning goes away by itself.
 */

export const POLICY_FIELDS = [
  // Outbound, per destination (and per route where a route sets its own).
  'tls.mode',
  'routes.match.path',
  'routes.match.method',
  'routes.match.headers',
  'routes.match.queryParams',
  'timeout',
  'retries.attempts',
  'retries.perTryTimeout',
  'retries.retryOn',
  'retryBudget',
  'split',
  'sessionAffinity',
  'mirror',
  'circuitBreaker.maxConnections',
  'circuitBreaker.maxRequests',
  'circuitBreaker.maxPendingRequests',
  'circuitBreaker.maxRetries',
  'circuitBreaker.failureAccrual',
  // Inbound, as the callee.
  'authorization.default',
  'authorization.clients',
  'authorization.routes',
  'rateLimit.total',
  'rateLimit.identity',
  'rateLimit.overrides',
  'faultInjection.abort',
  'faultInjection.delay',
] as const;

export type PolicyField = (typeof POLICY_FIELDS)[number];

/**
 * What the sidecars apply: every field, now — the caller's outbound (routes, retries, breakers,
 * splits, affinity, mirroring), the callee's authorization, rate limit and faults. A field added
 * to POLICY_FIELDS before the proxy learns it gets its own list here (all but it) until then.
 */
export const ENFORCED_POLICY_FIELDS: readonly PolicyField[] = POLICY_FIELDS;
