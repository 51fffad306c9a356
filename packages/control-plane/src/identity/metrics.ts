/**
 * What the identity service reports about itself: counts, latency and issuer expiry as
 * Prometheus families, and one audit line per decision. Both live here so that every counted
 * issuance or refusal has exactly one matching log line, and neither can be forgotten alone.
 */
import type { Logger, Registry } from '@fusion/telemetry';
import type { Certified } from './certifier.ts';
import type { CurrentIssuer } from './issuer.ts';
import { CERTIFY_REFUSAL_CODES, type CertifyRefusal } from './refusal.ts';

/** Certify is a few signatures: sub-millisecond to tens of ms; the defaults start at 5 ms. */
const DURATION_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1];

export interface IdentityMetrics {
  issued(certified: Certified, seconds: number): void;
  refused(refusal: CertifyRefusal, identity: string | undefined, seconds: number): void;
  issuerLoaded(issuer: CurrentIssuer): void;
}

export function createIdentityMetrics(registry: Registry, logger: Logger): IdentityMetrics {
  const issued = registry.counter({
    name: 'identity_certify_total',
    help: 'Workload certificates issued by the identity service.',
  });
  const refused = registry.counter({
    name: 'identity_certify_refused_total',
    help: 'Certify calls refused, by reason (a CertifyRefusalCode).',
    labelNames: ['reason'],
  });
  // Every reason shows as 0 from the start, so rate() and alerts work before the first refusal.
  for (const code of CERTIFY_REFUSAL_CODES) refused.labels(code);
  const duration = registry.histogram({
    name: 'identity_certify_duration_seconds',
    help: 'Time to decide a Certify call, issued or refused, in seconds.',
    buckets: DURATION_BUCKETS,
  });
  const issuerExpiry = registry.gauge({
    name: 'identity_issuer_expiration_timestamp_seconds',
    help: 'Unix time at which the issuer certificate in use expires.',
  });

  return {
    issued(certified, seconds) {
      issued.inc();
      duration.observe(seconds);
      logger.info(
        {
          identity: certified.identity,
          serial: certified.serial,
          not_after: certified.notAfter.toISOString(),
        },
        'certificate issued',
      );
    },
    refused(refusal, identity, seconds) {
      refused.labels(refusal.code).inc();
      duration.observe(seconds);
      logger.warn({ reason: refusal.code, identity, message: refusal.message }, 'certify refused');
    },
    issuerLoaded(issuer) {
      issuerExpiry.set(Math.floor(issuer.notAfter.getTime() / 1000));
    },
  };
}
