/** The destination service: where every service's endpoints are (Linkerd's `destination`). */
export type { CallerSocket } from './caller.ts';
export { callerOf } from './caller.ts';
export type { DestinationMetrics } from './metrics.ts';
export { createDestinationMetrics } from './metrics.ts';
export type { PolicyFeed } from './policy-watch.ts';
export { NO_POLICIES, policyUpdateOf, watchPolicy } from './policy-watch.ts';
export { DestinationRefusal, REGISTRATION_REFUSAL_CODES } from './refusal.ts';
export type {
  Change,
  ChangeListener,
  EndpointRegistryOptions,
  HeldEndpoint,
  Lease,
  Registration,
  WatchListener,
} from './registry.ts';
export { EndpointRegistry } from './registry.ts';
export type { DestinationServer, DestinationServerOptions } from './server.ts';
export { createDestinationServer } from './server.ts';
export type { DestinationComponent, DestinationOptions } from './start.ts';
export { DEFAULT_HEARTBEAT_MS, DEFAULT_TTL_MS, startDestination } from './start.ts';
