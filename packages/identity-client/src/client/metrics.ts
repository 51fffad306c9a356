/**
 * The client's metrics, with Linkerd's name for the expiry gauge so its dashboards and alerts
 * ("certificate expires within …") work on ours unchanged.
 */
import type { Registry } from '@fusion/telemetry';
import type { Credentials } from '../credentials/index.ts';

export interface IdentityMetrics {
  obtained(credentials: Credentials): void;
  failed(): void;
}

const NO_METRICS: IdentityMetrics = { obtained: () => {}, failed: () => {} };

export function identityMetrics(registry: Registry | undefined): IdentityMetrics {
  if (!registry) return NO_METRICS;
  const expiration = registry.gauge({
    name: 'identity_cert_expiration_timestamp_seconds',
    help: 'Time when the current identity certificate expires (in seconds since the UNIX epoch).',
  });
  const refreshed = registry.gauge({
    name: 'identity_cert_refresh_timestamp_seconds',
    help: 'Time when the current identity certificate was obtained (in seconds since the UNIX epoch).',
  });
  const failures = registry.counter({
    name: 'identity_certify_failures_total',
    help: 'Certify calls to the identity service that failed (the current certificate stays in use).',
  });
  return {
    obtained(credentials) {
      expiration.set(credentials.validUntil.getTime() / 1000);
      refreshed.set(credentials.obtainedAt.getTime() / 1000);
    },
    failed() {
      failures.inc();
    },
  };
}
