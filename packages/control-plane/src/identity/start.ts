/**
 * The identity component, assembled: issuer store → certifier → Certify server, with the
 * server's own certificate following the issuer. Start fails loudly (IssuerLoadError, a bad
 * token key, a busy port) because an identity service without a CA is of no use; once running,
 * a bad rotation on disk is refused and the old issuer keeps serving.
 */
import type { AddressInfo } from 'node:net';
import type { WorkloadIdentity } from '@fusion/pki';
import { CONTROL_PLANE_NAMESPACE, workloadIdentity } from '@fusion/pki';
import type { Logger, Registry } from '@fusion/telemetry';
import type { Component, Readiness } from '../component.ts';
import { createCertifier } from './certifier.ts';
import { loadTokenKey } from './issuer.ts';
import { IssuerStore } from './issuer-store.ts';
import { createIdentityMetrics } from './metrics.ts';
import { createOwnCertificate, type OwnCertificate } from './own-certificate.ts';
import { createIdentityServer } from './server.ts';

export interface IdentityOptions {
  /** The directory `fusion identity init` wrote (ca.crt, issuer.crt, issuer.key, token.pub). */
  readonly pkiDir: string;
  readonly host: string;
  /** 0 picks a free port; `address` says which. */
  readonly port: number;
  readonly trustDomain: string;
  /** Lifetime of issued leaves, ms (mesh.identity.certificateLifetime). */
  readonly lifetimeMs: number;
  /** Back-dating and extension of every leaf, ms (mesh.identity.clockSkewAllowance). */
  readonly clockSkewMs: number;
  readonly registry: Registry;
  readonly logger: Logger;
  /** PKI directory stat poll period (default 1000 ms). */
  readonly pollIntervalMs?: number;
  readonly now?: () => Date;
}

export interface IdentityComponent extends Component {
  readonly name: 'identity';
  readonly address: AddressInfo;
  /** The service's own mesh identity: what clients check the server certificate against. */
  readonly serverIdentity: WorkloadIdentity;
  readonly issuers: IssuerStore;
  readonly serverCertificate: OwnCertificate;
}

export async function startIdentity(options: IdentityOptions): Promise<IdentityComponent> {
  const { logger } = options;
  const now = options.now ?? (() => new Date());
  const tokenKey = await loadTokenKey(options.pkiDir);
  const issuers = await IssuerStore.open({
    dir: options.pkiDir,
    logger,
    ...(options.pollIntervalMs !== undefined ? { pollIntervalMs: options.pollIntervalMs } : {}),
    now,
  });
  const serverIdentity = workloadIdentity('identity', CONTROL_PLANE_NAMESPACE, options.trustDomain);
  let own: OwnCertificate | undefined;
  try {
    const metrics = createIdentityMetrics(options.registry, logger);
    metrics.issuerLoaded(issuers.current());
    const certifier = createCertifier({
      issuer: () => issuers.current(),
      tokenKey,
      trustDomain: options.trustDomain,
      lifetimeMs: options.lifetimeMs,
      clockSkewMs: options.clockSkewMs,
      now,
    });
    own = await createOwnCertificate({
      identity: serverIdentity,
      issuer: () => issuers.current(),
      lifetimeMs: options.lifetimeMs,
      clockSkewMs: options.clockSkewMs,
      logger,
      now,
    });
    const server = createIdentityServer({
      certifier,
      metrics,
      tls: own.current().context,
      logger,
    });
    own.onRenewed((tls) => server.setTls(tls.context));
    issuers.onUpdated((issuer) => {
      metrics.issuerLoaded(issuer);
      // Clients that trust only the new anchor must still be able to reach us.
      void own?.renew('issuer updated');
    });
    const address = await server.listen(options.host, options.port);
    logger.info(
      { address: `${address.address}:${address.port}`, identity: serverIdentity.name },
      'identity service listening',
    );
    const serverCertificate = own;
    return {
      name: 'identity',
      address,
      serverIdentity,
      issuers,
      serverCertificate,
      ready: () => readiness(server.address(), issuers, now()),
      async close() {
        serverCertificate.close();
        await issuers.close();
        await server.close();
      },
    };
  } catch (error) {
    own?.close();
    await issuers.close();
    throw error;
  }
}

function readiness(listening: AddressInfo | undefined, issuers: IssuerStore, now: Date): Readiness {
  if (!listening) return { ready: false, reason: 'the Certify server is not listening' };
  const issuer = issuers.current();
  if (issuer.notAfter.getTime() <= now.getTime()) {
    return {
      ready: false,
      reason: `issuer '${issuer.subject}' expired at ${issuer.notAfter.toISOString()}`,
    };
  }
  return { ready: true };
}
