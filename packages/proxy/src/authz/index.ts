export {
  type Caller,
  clientMatches,
  type Decision,
  decide,
  decideConnection,
  defaultAdmits,
} from './decide.ts';
export { type AuthorizationOptions, authorizationLayer, PROBE_AUTHORIZATION } from './layer.ts';
export { type AuthzMetrics, authzMetrics } from './metrics.ts';
