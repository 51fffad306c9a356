/**
 * A throwaway mesh for the inbound proxy's tests: PKI, fake identity service and the proxy's own
 * identity client, callers' certificates from this mesh and from another, and the proxy itself.
 */
import { IdentityClient } from '@fusion/identity-client';
import { createLogger, Registry } from '@fusion/telemetry';
import {
  createTestPki,
  type FakeIdentityService,
  GATEWAY,
  KERNEL,
  startFakeIdentityService,
  type TestPki,
  tokenDir,
} from '../../../../identity-client/src/testing/index.ts';
import { type InboundOptions, type InboundServer, startInbound } from '../index.ts';

/** The proxy under test is ai-kernel's; its callers are the gateway's. */
export const SERVER_ID = KERNEL;
export const CALLER_ID = GATEWAY;

export interface KeyAndChain {
  readonly keyPem: string;
  readonly certChainPem: string;
}

export interface Mesh {
  readonly pki: TestPki;
  readonly service: FakeIdentityService;
  /** The proxy's identity client, started. */
  readonly identity: IdentityClient;
  /** A certificate for CALLER_ID from this mesh. */
  readonly caller: KeyAndChain;
  /** A certificate for CALLER_ID from a mesh with other trust anchors. */
  readonly stranger: KeyAndChain;
  close(): Promise<void>;
}

export async function startMesh(options: { lifetimeMs?: number } = {}): Promise<Mesh> {
  const pki = await createTestPki();
  const service = await startFakeIdentityService({
    pki,
    serverIdentity: 'identity.fusion.serviceaccount.identity.cluster.local',
    ...(options.lifetimeMs === undefined ? {} : { lifetimeMs: options.lifetimeMs }),
  });
  const token = await tokenDir(await pki.mintToken(SERVER_ID));
  const identity = new IdentityClient({
    identity: SERVER_ID,
    tokenFile: token.file,
    trustAnchorsPem: pki.anchorsPem,
    identityAddr: service.addr,
    identityServerName: 'identity.fusion.serviceaccount.identity.cluster.local',
    minRefreshMs: 500,
    logger: quietLogger(),
  });
  await identity.start();
  const caller = await pki.serverCredentials(CALLER_ID);
  const stranger = await (await createTestPki()).serverCredentials(CALLER_ID);
  return {
    pki,
    service,
    identity,
    caller,
    stranger,
    close: async () => {
      identity.stop();
      await service.close();
      await token.remove();
    },
  };
}

export function quietLogger() {
  return createLogger({ service: 'inbound-test', level: 'silent' });
}

/** The inbound proxy for `mesh` in front of the app on `appPort`, with its own registry. */
export async function startProxy(
  mesh: Mesh,
  appPort: number,
  options: Partial<InboundOptions> = {},
): Promise<InboundServer & { registry: Registry; port: number }> {
  const registry = options.registry ?? new Registry();
  const server = await startInbound({
    listen: { host: '127.0.0.1', port: 0 },
    app: { host: '127.0.0.1', port: appPort },
    identity: mesh.identity,
    defaultPolicy: 'all-authenticated',
    registry,
    logger: quietLogger(),
    ...options,
  });
  return { ...server, registry, port: server.address.port };
}
