/**
 * The destination component, assembled: the endpoint registry, its sweep timer, metrics, and
 * the server with its own certificate (`destination.fusion.serviceaccount.identity.<domain>`)
 * signed by the identity component's issuer and following it through rotations. The registry
 * lives in memory only: after a restart it is rebuilt from the proxies' re-registrations, and
 * until that has had time to happen every set it sends is marked incomplete.
 */
import type { AddressInfo } from 'node:net';
import type { WorkloadIdentity } from '@fusion/pki';
import { CONTROL_PLANE_NAMESPACE, workloadIdentity } from '@fusion/pki';
import type { Logger, Registry } from '@fusion/telemetry';
import type { Component } from '../component.ts';
import type { IssuerStore } from '../identity/index.ts';
import { createOwnCertificate, type OwnCertificate } from '../identity/index.ts';
import { createDestinationMetrics } from './metrics.ts';
import type { PolicyFeed } from './policy-watch.ts';
import { ReadinessProber } from './prober.ts';
import { EndpointRegistry } from './registry.ts';
import { createDestinationServer, type DestinationServer } from './server.ts';

/** A lease outlives three missed heartbeats, so one lost packet or a GC pause costs nothing. */
export const DEFAULT_TTL_MS = 10_000;
export const DEFAULT_HEARTBEAT_MS = 3_000;

export interface DestinationOptions {
  /** The identity component's store: the destination server's leaf is signed by its issuer. */
  readonly issuers: Pick<IssuerStore, 'current' | 'onUpdated'>;
  readonly host: string;
  /** 0 picks a free port; `address` says which. */
  readonly port: number;
  readonly trustDomain: string;
  /** Lifetime and back-dating of the server's own leaf (mesh.identity settings). */
  readonly lifetimeMs: number;
  readonly clockSkewMs: number;
  readonly registry: Registry;
  readonly logger: Logger;
  /** The config in force: each proxy's policy Watch is served from it. */
  readonly policies?: PolicyFeed;
  /** fusion.yaml's services: they exist with no endpoint; others only while registered. */
  readonly knownServices?: readonly string[];
  readonly ttlMs?: number;
  readonly heartbeatMs?: number;
  /** Default ttlMs: every live proxy has re-registered within one lease after a restart. */
  readonly rebuildMs?: number;
  /** Between readiness probes of a ready endpoint (default 2 s). */
  readonly probeIntervalMs?: number;
  readonly now?: () => number;
}

export interface DestinationComponent extends Component {
  readonly name: 'destination';
  readonly address: AddressInfo;
  /** What proxies check the server certificate against (LINKERD2_PROXY_DESTINATION_SVC_NAME). */
  readonly serverIdentity: WorkloadIdentity;
  readonly endpoints: EndpointRegistry;
}

export async function startDestination(options: DestinationOptions): Promise<DestinationComponent> {
  const { logger } = options;
  const ttlMs = options.ttlMs ?? DEFAULT_TTL_MS;
  const serverIdentity = workloadIdentity(
    'destination',
    CONTROL_PLANE_NAMESPACE,
    options.trustDomain,
  );
  const endpoints = new EndpointRegistry({
    ttlMs,
    heartbeatMs: options.heartbeatMs ?? DEFAULT_HEARTBEAT_MS,
    rebuildMs: options.rebuildMs ?? ttlMs,
    ...(options.knownServices ? { knownServices: options.knownServices } : {}),
    ...(options.now ? { now: options.now } : {}),
  });
  // The server is created after the metrics; the gauge reads it only at scrape time.
  let server: DestinationServer | undefined;
  const metrics = createDestinationMetrics(options.registry, endpoints, logger, () =>
    server ? server.policyWatchers() : 0,
  );
  endpoints.onChange(metrics.changed);
  const own: OwnCertificate = await createOwnCertificate({
    identity: serverIdentity,
    issuer: () => options.issuers.current(),
    lifetimeMs: options.lifetimeMs,
    clockSkewMs: options.clockSkewMs,
    verifyClients: true,
    logger,
  });
  server = createDestinationServer({
    registry: endpoints,
    metrics,
    tls: own.current().context,
    trustDomain: options.trustDomain,
    logger,
    ...(options.policies ? { policies: options.policies } : {}),
  });
  own.onRenewed((tls) => server.setTls(tls.context));
  // New anchors must verify clients, and clients trusting only them must verify us.
  const unfollow = options.issuers.onUpdated(() => void own.renew('issuer updated'));
  let address: AddressInfo;
  try {
    address = await server.listen(options.host, options.port);
  } catch (error) {
    unfollow();
    own.close();
    throw error;
  }
  const prober = new ReadinessProber({
    registry: endpoints,
    tls: () => own.current().context,
    logger,
    ...(options.probeIntervalMs ? { intervalMs: options.probeIntervalMs } : {}),
  });
  // Expiry a fraction of a lease late is harmless; a busy timer is not.
  const sweep = setInterval(() => endpoints.sweep(), Math.max(50, Math.min(1000, ttlMs / 4)));
  sweep.unref();
  logger.info(
    { address: `${address.address}:${address.port}`, identity: serverIdentity.name, ttl_ms: ttlMs },
    'destination service listening',
  );
  return {
    name: 'destination',
    address,
    serverIdentity,
    endpoints,
    ready: () =>
      server.address()
        ? { ready: true }
        : { ready: false, reason: 'the destination server is not listening' },
    async close() {
      clearInterval(sweep);
      prober.close();
      unfollow();
      own.close();
      await server.close();
    },
  };
}
