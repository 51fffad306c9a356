/** The sections of fusion.yaml, each a schema; `validateDocument` puts them together. */
export {
  authorizationPolicy,
  circuitBreaker,
  faultInjection,
  HTTP_METHODS,
  rateLimit,
  TLS_MODES,
  trafficPolicy,
} from './policies/index.ts';
export { validateDocument } from './root.ts';
export type { ServiceDraft } from './services.ts';
export { PROTOCOLS, services } from './services.ts';
export {
  DEFAULT_POSTGRES_PORT,
  INBOUND_POLICIES,
  infrastructure,
  LOG_LEVELS,
  logging,
  mesh,
} from './settings.ts';
