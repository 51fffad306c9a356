/**
 * What the destination service reports about itself: endpoints and watchers per service (read
 * from the registry at scrape time), registrations and their refusals, expiries, and pushes;
 * plus one audit line per registration decision. Counting and logging live together so that
 * no refusal is ever counted without the line naming who asked for what.
 */
import type { DestinationEndpoint } from '@fusion/mesh-types';
import type { Logger, Registry } from '@fusion/telemetry';
import { type DestinationRefusal, REGISTRATION_REFUSAL_CODES } from './refusal.ts';
import type { Change, EndpointRegistry } from './registry.ts';

export interface DestinationMetrics {
  /** `caller` and `service` as far as they were known: the refusal may be about either. */
  refused(refusal: DestinationRefusal, caller: string | undefined, service: unknown): void;
  changed(change: Change, service: string, endpoint: DestinationEndpoint): void;
  pushed(count: number): void;
  /** A policy line written to a Watch stream. */
  policyPushed(): void;
}

export function createDestinationMetrics(
  registry: Registry,
  endpoints: EndpointRegistry,
  logger: Logger,
  policyWatchers: () => number = () => 0,
): DestinationMetrics {
  const counts = () => endpoints.counts();
  registry.gauge({
    name: 'destination_endpoints',
    help: 'Endpoints in the registry, by service.',
    labelNames: ['service'],
    collect: (gauge) => {
      gauge.reset();
      for (const c of counts()) if (c.endpoints > 0) gauge.labels(c.service).set(c.endpoints);
    },
  });
  registry.gauge({
    name: 'destination_watchers',
    help: 'Open Get streams, by service watched.',
    labelNames: ['service'],
    collect: (gauge) => {
      gauge.reset();
      for (const c of counts()) if (c.watchers > 0) gauge.labels(c.service).set(c.watchers);
    },
  });
  const changes = registry.counter({
    name: 'destination_endpoint_changes_total',
    help: 'Endpoints registered, replaced, deregistered or expired.',
    labelNames: ['change'],
  });
  for (const change of ['registered', 'replaced', 'deregistered', 'expired'] as const) {
    changes.labels(change);
  }
  const refused = registry.counter({
    name: 'destination_registrations_refused_total',
    help: 'Register, Heartbeat and Deregister calls refused, by reason.',
    labelNames: ['reason'],
  });
  for (const code of REGISTRATION_REFUSAL_CODES) refused.labels(code);
  const pushes = registry.counter({
    name: 'destination_updates_pushed_total',
    help: 'Endpoint sets written to Get streams.',
  });
  registry.gauge({
    name: 'destination_policy_watchers',
    help: 'Open policy Watch streams.',
    collect: (gauge) => gauge.set(policyWatchers()),
  });
  const policyPushes = registry.counter({
    name: 'destination_policy_updates_pushed_total',
    help: 'Policies written to Watch streams.',
  });

  return {
    refused(refusal, caller, service) {
      refused.labels(refusal.code).inc();
      // lease-unknown is the normal sequel of a restart: the proxy registers again at once.
      const level = refusal.code === 'lease-unknown' ? 'info' : 'warn';
      logger[level](
        {
          reason: refusal.code,
          identity: caller,
          service: typeof service === 'string' ? service.slice(0, 64) : undefined,
          message: refusal.message,
        },
        'registration refused',
      );
    },
    changed(change, service, endpoint) {
      changes.labels(change).inc();
      const fields = { service, address: endpoint.address, instance: endpoint.instance };
      if (change === 'expired') logger.warn(fields, 'endpoint lease expired');
      else logger.info({ ...fields, identity: endpoint.identity }, `endpoint ${change}`);
    },
    pushed(count) {
      pushes.inc(count);
    },
    policyPushed() {
      policyPushes.inc();
    },
  };
}
