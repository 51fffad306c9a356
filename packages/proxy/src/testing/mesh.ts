/**
 * A small real mesh for whole-proxy tests: the control plane's identity service on a throwaway
 * PKI, and workloads whose IdentityClients certify against it exactly as a sidecar does.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startIdentity } from '@fusion/control-plane';
import { createTestPki } from '@fusion/control-plane/testing';
import { IdentityClient } from '@fusion/identity-client';
import { createLogger, Registry } from '@fusion/telemetry';

export interface TestWorkload {
  readonly service: string;
  readonly identity: string;
  readonly client: IdentityClient;
}

export interface TestMesh {
  readonly trustDomain: string;
  readonly anchorsPem: string;
  /** A workload of `service` with its first certificate in hand. */
  workload(service: string, options?: { lifetimeMs?: number }): Promise<TestWorkload>;
  /** Linkerd's identity variables for a proxy process of `service` (its token written 0600). */
  identityEnv(service: string): Promise<Record<string, string>>;
  close(): Promise<void>;
}

export const quietLogger = () => createLogger({ service: 'test', level: 'fatal' });

export async function startTestMesh(options: { lifetimeMs?: number } = {}): Promise<TestMesh> {
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
      };
    },
    async close() {
      for (const client of clients) client.stop();
      await identityService.close();
      await pki.remove();
      rmSync(tokens, { recursive: true, force: true });
    },
  };
}
