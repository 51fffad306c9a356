/** The route stage: per-route timeouts, retries and the circuit breaker, from the pushed policy. */
export { matchesRoute } from './match.ts';
export type { ResilienceMetrics } from './metrics.ts';
export { resilienceMetrics } from './metrics.ts';
export type { OutboundPolicies, RouteStage, RouteStageOptions, RouteTableView } from './routes.ts';
export { DEFAULT_RETRY_BUDGET, routeStage } from './routes.ts';
