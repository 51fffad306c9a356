/**
 * A control-plane server's own TLS certificate: identity's
 * (`identity.fusion.serviceaccount.identity.<trust-domain>`) and destination's
 * (`destination.fusion.…`). Each is a mesh workload like any other, but the identity service
 * cannot ask itself over the network, so the leaf is signed here with the current issuer. The
 * key is made in memory and never written; the leaf is re-signed when the issuer changes and at
 * 70 % of its lifetime (the proxies' rule), and each new one is handed to the server to swap in.
 */
import type { SecureContextOptions } from 'node:tls';
import type { WorkloadIdentity } from '@fusion/pki';
import { generateKeyPair, privateKeyToPem, signLeaf, x509 } from '@fusion/pki';
import type { Logger } from '@fusion/telemetry';
import type { CurrentIssuer } from './issuer.ts';

export interface OwnCertificateOptions {
  readonly identity: WorkloadIdentity;
  readonly issuer: () => CurrentIssuer;
  readonly lifetimeMs: number;
  readonly clockSkewMs: number;
  readonly logger: Logger;
  /**
   * Also put the issuer's trust anchors in the context, for a server that verifies client
   * certificates (destination); they then follow anchor rotation with the leaf.
   */
  readonly verifyClients?: boolean;
  readonly now?: () => Date;
}

export interface ServerTls {
  readonly cert: x509.X509Certificate;
  /** Key, leaf + issuer chain and protocol floor, ready for createSecureServer/setSecureContext. */
  readonly context: SecureContextOptions;
}

export interface OwnCertificate {
  current(): ServerTls;
  /** Signs a fresh leaf with the current issuer; resolves once listeners have it. */
  renew(reason: string): Promise<ServerTls>;
  onRenewed(listener: (tls: ServerTls) => void): () => void;
  close(): void;
}

/** Linkerd's proxies refresh at 70 % of the remaining lifetime; so do we. */
const REFRESH_FRACTION = 0.7;
/** After a failed signing, try again this soon (Linkerd's minimum refresh). */
const RETRY_MS = 10_000;
/** setTimeout fires at once for delays past 2^31 − 1 ms; longer waits are done in steps. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export async function createOwnCertificate(
  options: OwnCertificateOptions,
): Promise<OwnCertificate> {
  const now = options.now ?? (() => new Date());
  const keys = await generateKeyPair();
  const keyPem = await privateKeyToPem(keys.privateKey);
  const publicKey = await x509.PublicKey.create(keys.publicKey);
  const listeners = new Set<(tls: ServerTls) => void>();
  let timer: NodeJS.Timeout | undefined;
  let closed = false;

  const sign = async (): Promise<ServerTls> => {
    const issuer = options.issuer();
    const leaf = await signLeaf(issuer, {
      publicKey,
      identity: options.identity,
      lifetimeMs: options.lifetimeMs,
      clockSkewMs: options.clockSkewMs,
      now: now(),
    });
    // x509's PEM has no final newline; OpenSSL needs one between blocks.
    const chain = `${leaf.cert.toString('pem').trim()}\n${issuer.certPem.trim()}\n`;
    const context: SecureContextOptions = { key: keyPem, cert: chain, minVersion: 'TLSv1.3' };
    if (options.verifyClients) context.ca = issuer.anchorsPem;
    return { cert: leaf.cert, context };
  };

  const schedule = (delayMs: number) => {
    clearTimeout(timer);
    if (closed) return;
    timer = setTimeout(
      () => void renew('refresh at 70% of lifetime'),
      Math.min(delayMs, MAX_TIMER_MS),
    );
    timer.unref();
  };
  const scheduleRefresh = (tls: ServerTls) => {
    const remaining = tls.cert.notAfter.getTime() - now().getTime();
    schedule(Math.max(0, remaining * REFRESH_FRACTION));
  };

  let current = await sign();
  scheduleRefresh(current);
  // Renewals run one after another so a slow earlier one can never replace a later one.
  let queue: Promise<unknown> = Promise.resolve();

  const renew = (reason: string): Promise<ServerTls> => {
    const next = queue.then(async () => {
      try {
        current = await sign();
      } catch (error) {
        options.logger.error(
          { err: error, reason, identity: options.identity.name },
          'server certificate renewal failed',
        );
        schedule(RETRY_MS);
        return current;
      }
      options.logger.info(
        {
          reason,
          identity: options.identity.name,
          serial: current.cert.serialNumber,
          issuer: current.cert.issuer,
          not_after: current.cert.notAfter.toISOString(),
        },
        'server certificate renewed',
      );
      scheduleRefresh(current);
      for (const listener of listeners) listener(current);
      return current;
    });
    queue = next;
    return next;
  };

  return {
    current: () => current,
    renew,
    onRenewed(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    close() {
      closed = true;
      clearTimeout(timer);
    },
  };
}
