/**
 * A small real mesh for whole-proxy tests: the control plane's identity service on a throwaway
 * PKI, and workloads whose IdentityClients certify against it exactly as a sidecar does; on
 * request also the destination service, which a test can stop and start again on its port to
 * play a control-plane restart.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type DestinationComponent,
  type DestinationOptions,
  startDestination,
  startIdentity,
} from '@fusion/control-plane';
import { createTestPki } from '@fusion/control-plane/testing';
import { IdentityClient } from '@fusion/identity-client';
import { createLogger, Registry } from '@fusion/telemetry';

export interface TestWorkload {
  readonly service: string;
  readonly identity: string;
  readonly client: IdentityClient;
}

/** The destination service of a test mesh, on one port for its whole life. */
export interface TestDestination {
  /** `127.0.0.1:<port>`, the same across stop() and start(). */
  readonly address: string;
  /** Its identity, for LINKERD2_PROXY_DESTINATION_SVC_NAME. */
  readonly serverName: string;
  /** The running component; throws while stopped. */
  current(): DestinationComponent;
  /** The running component's metrics, as Prometheus text. */
  metrics(): string;
  readonly running: boolean;
  /** Stops it as a crash would look to proxies: sessions gone, registry lost. */
  stop(): Promise<void>;
  /** A fresh one (empty registry) on the same port. */
  start(): Promise<void>;
}

/** Registry settings for the test mesh's destination service. */
export type TestDestinationOptions = Partial<
  Pick<DestinationOptions, 'ttlMs' | 'heartbeatMs' | 'rebuildMs' | 'knownServices' | 'policies'>
>;

export interface TestMesh {
  readonly trustDomain: string;
  readonly anchorsPem: string;
  /** Present when started with `destination`. */
  readonly destination: TestDestination | undefined;
  /** A workload of `service` with its first certificate in hand. */
  workload(service: string, options?: { lifetimeMs?: number }): Promise<TestWorkload>;
  /** Linkerd's identity variables for a proxy process of `service` (its token written 0600). */
  identityEnv(service: string): Promise<Record<string, string>>;
  close(): Promise<void>;
}

export const quietLogger = () => createLogger({ service: 'test', level: 'fatal' });

export async function startTestMesh(
  options: { lifetimeMs?: number; destination?: TestDestinationOptions } = {},
): Promise<TestMesh> {
  const pki = await createTestPki();
  const tokens = mkdtempSync(join(tmpdir(), 'fusion-mesh-tokens-'));
  const identityService = await startIdentity({
    pkiDir: pki.dir,
    host: '127.0.0.1',
    port: 0,
    trustDomain: pki.trustDomain,
    lifetimeMs: options.lifetimeMs ?? 3_600_000,
    clockSkewMs: 0,
    registry: new Registry(),
    logger: quietLogger(),
  });
  const destination = options.destination
    ? await startTestDestination(identityService.issuers, pki.trustDomain, options.destination)
    : undefined;
  const clients: IdentityClient[] = [];
  const writeToken = async (service: string) => {
    const tokenFile = join(tokens, `${service}.jwt`);
    writeFileSync(tokenFile, Buffer.from(await pki.token(pki.identity(service)), 'base64'), {
      mode: 0o600,
    });
    return tokenFile;
  };
  return {
    trustDomain: pki.trustDomain,
    anchorsPem: pki.anchor.certPem,
    destination,
    async workload(service) {
      const identity = pki.identity(service);
      const tokenFile = await writeToken(service);
      const client = new IdentityClient({
        identity: identity.name,
        tokenFile,
        trustAnchorsPem: pki.anchor.certPem,
        identityAddr: `127.0.0.1:${identityService.address.port}`,
        identityServerName: identityService.serverIdentity.name,
        minRefreshMs: 1_000,
      });
      await client.start();
      clients.push(client);
      return { service, identity: identity.name, client };
    },
    async identityEnv(service) {
      return {
        LINKERD2_PROXY_IDENTITY_LOCAL_NAME: pki.identity(service).name,
        LINKERD2_PROXY_IDENTITY_TOKEN_FILE: await writeToken(service),
        LINKERD2_PROXY_IDENTITY_TRUST_ANCHORS: pki.anchor.certPem,
        LINKERD2_PROXY_IDENTITY_SVC_ADDR: `127.0.0.1:${identityService.address.port}`,
        LINKERD2_PROXY_IDENTITY_SVC_NAME: identityService.serverIdentity.name,
        ...(destination
          ? {
              LINKERD2_PROXY_DESTINATION_SVC_ADDR: destination.address,
              LINKERD2_PROXY_DESTINATION_SVC_NAME: destination.serverName,
            }
          : {}),
      };
    },
    async close() {
      for (const client of clients) client.stop();
      if (destination?.running) await destination.stop();
      await identityService.close();
      await pki.remove();
      rmSync(tokens, { recursive: true, force: true });
    },
  };
}

async function startTestDestination(
  issuers: DestinationOptions['issuers'],
  trustDomain: string,
  settings: TestDestinationOptions,
): Promise<TestDestination> {
  let registry = new Registry();
  const launch = (port: number) => {
    registry = new Registry();
    return startDestination({
      issuers,
      host: '127.0.0.1',
      port,
      trustDomain,
      lifetimeMs: 3_600_000,
      clockSkewMs: 0,
      registry,
      logger: quietLogger(),
      ...settings,
    });
  };
  let component: DestinationComponent | undefined = await launch(0);
  const port = component.address.port;
  return {
    address: `127.0.0.1:${port}`,
    serverName: component.serverIdentity.name,
    get running() {
      return component !== undefined;
    },
    current() {
      if (!component) throw new Error('the test destination service is stopped');
      return component;
    },
    metrics: () => registry.expose(),
    async stop() {
      const stopping = component;
      component = undefined;
      await stopping?.close();
    },
    async start() {
      if (component) throw new Error('the test destination service is already running');
      component = await launch(port);
    },
  };
}
