/**
 * The bodies of the public API, built from what the control plane holds: the config source
 * and the endpoint registry. Pure (the clock is passed in), so every field is tested without
 * a server; the server only picks the view for a path.
 */
import type {
  ApiConfig,
  ApiDiagnostic,
  ApiEndpoint,
  ApiPolicyList,
  ApiService,
  ApiServiceList,
  Diagnostic,
} from '@fusion/mesh-types';
import { formatDiagnostic } from '@fusion/mesh-types';
import type { ConfigRefusal, ConfigSnapshot, ReloadCounts } from '../config/index.ts';
import type { HeldEndpoint } from '../destination/registry.ts';

/** What the config views read: the config source, or a test's stand-in. */
export interface ConfigView {
  current(): ConfigSnapshot;
  lastRefusal(): ConfigRefusal | undefined;
  counts(): ReloadCounts;
}

/** What the service views read: the endpoint registry, or a test's stand-in. */
export interface EndpointsView {
  held(): HeldEndpoint[];
  readonly complete: boolean;
  readonly heartbeatMs: number;
}

/**
 * A heartbeat may be late by a whole period before we call the endpoint stale: proxies renew
 * on a timer of their own, and one slow turn of their event loop is not a missed heartbeat.
 */
const STALE_AFTER_PERIODS = 2;

export function configView(source: ConfigView): ApiConfig {
  const snapshot = source.current();
  const refusal = source.lastRefusal();
  const { hash, generation, loadedAt, file } = snapshot.version;
  return {
    version: hash,
    generation,
    loadedAt,
    file,
    services: Object.keys(snapshot.config.services),
    warnings: snapshot.warnings.map(withText),
    notEnforced: snapshot.notEnforced.map(({ path, field, reason }) => ({ path, field, reason })),
    restartRequired: snapshot.restartRequired,
    lastError: refusal ? { at: refusal.at, errors: refusal.errors.map(withText) } : null,
    reloads: source.counts(),
  };
}

/** Every service of the config in force, then any other one endpoints registered for. */
export function servicesView(
  snapshot: ConfigSnapshot,
  endpoints: EndpointsView,
  now: number,
): ApiServiceList {
  const held = endpoints.held();
  const names = [...Object.keys(snapshot.config.services)];
  for (const { service } of held) if (!names.includes(service)) names.push(service);
  return {
    complete: endpoints.complete,
    services: names.map((name) => serviceOf(name, snapshot, held, endpoints.heartbeatMs, now)),
  };
}

/** One service; undefined when neither the config nor the registry knows it. */
export function serviceView(
  name: string,
  snapshot: ConfigSnapshot,
  endpoints: EndpointsView,
  now: number,
): ApiService | undefined {
  const held = endpoints.held();
  if (!snapshot.config.services[name] && !held.some((h) => h.service === name)) return undefined;
  return serviceOf(name, snapshot, held, endpoints.heartbeatMs, now);
}

export function policiesView(snapshot: ConfigSnapshot): ApiPolicyList {
  return {
    configVersion: snapshot.version.hash,
    policies: Object.values(snapshot.policies).map(({ service, version }) => ({
      service,
      version,
    })),
  };
}

function serviceOf(
  name: string,
  snapshot: ConfigSnapshot,
  held: readonly HeldEndpoint[],
  heartbeatMs: number,
  now: number,
): ApiService {
  const config = snapshot.config.services[name];
  return {
    name,
    configured: config !== undefined,
    port: config?.port ?? null,
    replicas: config?.replicas ?? null,
    protocol: config?.protocol ?? null,
    policyVersion: snapshot.policies[name]?.version ?? null,
    endpoints: held.filter((h) => h.service === name).map((h) => endpointOf(h, heartbeatMs, now)),
  };
}

function endpointOf(held: HeldEndpoint, heartbeatMs: number, now: number): ApiEndpoint {
  const { address, instance, identity, labels } = held.endpoint;
  const stale = now - held.renewedAt > STALE_AFTER_PERIODS * heartbeatMs;
  return {
    address,
    instance,
    identity,
    labels,
    state: stale ? 'stale' : held.ready ? 'live' : 'unready',
    registeredAt: new Date(held.registeredAt).toISOString(),
    lastHeartbeatAt: new Date(held.renewedAt).toISOString(),
    leaseExpiresAt: new Date(held.expiresAt).toISOString(),
  };
}

function withText(diagnostic: Diagnostic): ApiDiagnostic {
  return { ...diagnostic, text: formatDiagnostic(diagnostic) };
}
