/**
 * The proxy's client of the control plane's destination service: discovery from it (watched,
 * cached, kept through outages), its own policy (likewise), and registration with it (leased,
 * renewed, re-registered).
 */
export type { ReconnectBackoff } from './backoff.ts';
export { backoffDelayMs, DEFAULT_CONTROL_BACKOFF } from './backoff.ts';
export type {
  DestinationClient,
  DestinationClientOptions,
  DestinationClientState,
} from './client.ts';
export { startDestinationClient } from './client.ts';
export type { ConnectionState, DestinationConnectionOptions, JsonReply } from './connection.ts';
export { DestinationConnection } from './connection.ts';
export type {
  DestinationDiscoveryOptions,
  DiscoveredEndpoint,
  ServiceState,
} from './discovery.ts';
export { DestinationDiscovery, MAX_WATCHED_SERVICES } from './discovery.ts';
export type { LineWatchOptions } from './line-watch.ts';
export { LineWatch } from './line-watch.ts';
export type { PolicyState, PolicyWatchOptions } from './policy.ts';
export { PolicyWatch, parsePolicyUpdate } from './policy.ts';
export type { RegistrarOptions, RegistrarState } from './registrar.ts';
export { advertisedAddress, Registrar } from './registrar.ts';
export type { ServiceWatchOptions } from './watch.ts';
export { parseUpdate, ServiceWatch } from './watch.ts';
