/** The identity client: obtains credentials, renews them on Linkerd's schedule, reports metrics. */
export type { IdentityClientEvents, RetryInfo } from './identity-client.ts';
export { IdentityClient } from './identity-client.ts';
export type { IdentityClientOptions } from './options.ts';
export {
  DEFAULT_CERTIFY_TIMEOUT_MS,
  DEFAULT_MAX_REFRESH_MS,
  DEFAULT_MIN_REFRESH_MS,
  DEFAULT_RETRY_INITIAL_MS,
  RETRY_CEILING_MS,
} from './options.ts';
export type { RefreshBounds, RetryBackoff } from './refresh.ts';
export {
  REFRESH_FRACTION,
  REFRESH_JITTER,
  RETRY_JITTER,
  refreshDelayMs,
  retryDelayMs,
} from './refresh.ts';
