/**
 * The proxy's client of the destination service, assembled: one connection, discovery over it,
 * the watch of this proxy's own policy, and (once the inbound listener is up) the registrar.
 * main builds it when
 * LINKERD2_PROXY_DESTINATION_SVC_ADDR is set and needs nothing else from this folder.
 */
import type { Credentials } from '@fusion/identity-client';
import type { RegisterRequest } from '@fusion/mesh-types';
import type { Logger } from '@fusion/telemetry';
import type { ReconnectBackoff } from './backoff.ts';
import { type ConnectionState, DestinationConnection } from './connection.ts';
import { DestinationDiscovery, type ServiceState } from './discovery.ts';
import { PolicyWatch } from './policy.ts';
import { advertisedAddress, Registrar, type RegistrarState } from './registrar.ts';

export interface DestinationClientOptions {
  /** `host:port` of the destination service. */
  readonly address: string;
  /** The identity its certificate must name. */
  readonly serverName: string;
  readonly credentials: () => Credentials | undefined;
  readonly logger: Logger;
  /** This proxy's service: its policy is watched from the start. Without it, no policy watch. */
  readonly service?: string;
  readonly backoff?: Partial<ReconnectBackoff>;
  /** How long a service's first request waits for its first set; default 3 s. */
  readonly initialTimeoutMs?: number;
  readonly connectTimeoutMs?: number;
  readonly pingIntervalMs?: number;
}

export interface DestinationClientState {
  readonly source: 'destination';
  readonly address: string;
  readonly serverName: string;
  readonly connection: ConnectionState;
  readonly registration: RegistrarState | null;
  /** What each service's endpoints are now, and when they were received. */
  readonly services: Record<string, ServiceState>;
}

export interface DestinationClient {
  readonly discovery: DestinationDiscovery;
  /** This proxy's policy, as last received; undefined without `service`. */
  readonly policy: PolicyWatch | undefined;
  /** Starts registering `registration`; call once, after the inbound listener is up. */
  register(registration: RegisterRequest): Registrar;
  /** register() for the inbound listener bound at `listening` (see advertisedAddress). */
  registerInbound(
    listening: { address: string; port: number },
    service: string,
    instance: string,
    readinessPath?: string,
  ): Registrar;
  readonly registrar: Registrar | undefined;
  state(): DestinationClientState;
  /** Stops watching and registering, and closes the connection (deregister first). */
  close(): void;
}

export function startDestinationClient(options: DestinationClientOptions): DestinationClient {
  const { logger } = options;
  const backoff = options.backoff ? { backoff: options.backoff } : {};
  const connection = new DestinationConnection({
    address: options.address,
    serverName: options.serverName,
    credentials: options.credentials,
    logger,
    ...backoff,
    ...(options.connectTimeoutMs ? { connectTimeoutMs: options.connectTimeoutMs } : {}),
    ...(options.pingIntervalMs ? { pingIntervalMs: options.pingIntervalMs } : {}),
  });
  const discovery = new DestinationDiscovery({
    connection,
    logger,
    ...backoff,
    ...(options.initialTimeoutMs ? { initialTimeoutMs: options.initialTimeoutMs } : {}),
  });
  const policy = options.service
    ? new PolicyWatch({ connection, service: options.service, logger, ...backoff })
    : undefined;
  connection.start();
  let registrar: Registrar | undefined;
  const register = (registration: RegisterRequest): Registrar => {
    if (registrar) throw new Error('this proxy is already registering');
    registrar = new Registrar({ connection, registration, logger, ...backoff });
    return registrar;
  };
  return {
    discovery,
    policy,
    get registrar() {
      return registrar;
    },
    register,
    registerInbound: (listening, service, instance, readinessPath) =>
      register({
        address: advertisedAddress(listening),
        service,
        instance,
        ...(readinessPath ? { readiness_path: readinessPath } : {}),
      }),
    state: () => ({
      source: 'destination',
      address: options.address,
      serverName: options.serverName,
      connection: connection.state(),
      registration: registrar?.state() ?? null,
      services: discovery.state(),
    }),
    close() {
      registrar?.stop();
      discovery.close();
      policy?.close();
      connection.close();
    },
  };
}
