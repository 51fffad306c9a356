/**
 * The policy blocks of fusion.yaml, one file each. Every block is `name`, `selector` and
 * `policy`, in the seed's style; shared parts (selectors, request matches, clients, retries)
 * have their own files.
 */
export { authorizationPolicy } from './authorization.ts';
export { circuitBreaker } from './circuit-breaker.ts';
export { faultInjection } from './fault-injection.ts';
export { HTTP_METHODS } from './match.ts';
export { rateLimit } from './rate-limit.ts';
export { TLS_MODES, trafficPolicy } from './traffic-policy.ts';
