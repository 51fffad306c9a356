/**
 * The connection of one endpoint: ONE long-lived HTTP/2 session over mesh TLS, shared by every
 * request to that endpoint (a full mTLS handshake costs ~5 ms, so never one per request).
 *
 * - Connects as soon as the endpoint is known, so the first request rarely waits.
 * - The session lost (closed, GOAWAY): reconnect at once — unless it died right after the
 *   handshake, which is a failure, or a peer that accepts and hangs up would spin us.
 * - Connecting failed: the endpoint reports `failed`, so the balancer skips it, and the pool
 *   retries in the background with Linkerd's outbound backoff until it connects again.
 * - Credentials rotated: a new session is made with the new certificate and, once it is ready,
 *   replaces the old one, which drains (in-flight streams finish, new ones go to the new one).
 */
import type { ClientHttp2Session } from 'node:http2';
import type { Credentials, IdentityClient } from '@fusion/identity-client';
import type { Logger } from '@fusion/telemetry';
import type { EndpointStatus } from '../balance/index.ts';
import { ProxyError } from '../errors/proxy-error.ts';
import type { TcpMetrics } from '../metrics/tcp-metrics.ts';
import { connectMeshSession, type MeshPeer } from './connect.ts';

export interface Backoff {
  readonly minMs: number;
  readonly maxMs: number;
  /** Up to this fraction is added at random, so that proxies do not retry in step. */
  readonly jitter: number;
}

/** `LINKERD2_PROXY_OUTBOUND_CONNECT_EXP_BACKOFF_{MIN,MAX,JITTER}` defaults. */
export const DEFAULT_OUTBOUND_BACKOFF: Backoff = { minMs: 100, maxMs: 60_000, jitter: 0.1 };

export interface SessionPoolOptions {
  readonly peer: MeshPeer;
  readonly identity: IdentityClient;
  readonly connectTimeoutMs: number;
  readonly backoff: Backoff;
  readonly logger: Logger;
  /** Told about every failed connect (for metrics). */
  readonly onConnectError?: (error: ProxyError) => void;
  /** Linkerd's transport metrics for the connections made. */
  readonly transport?: TcpMetrics;
}

const ignore = () => {};

export class SessionPool {
  readonly #options: SessionPoolOptions;
  readonly #where: string;
  #current: ClientHttp2Session | undefined;
  #currentSince = 0;
  #connecting: Promise<ClientHttp2Session> | undefined;
  #failures = 0;
  #lastError: ProxyError | undefined;
  #retry: NodeJS.Timeout | undefined;
  #closed = false;
  readonly #onRotated = () => {
    if (this.#current) this.#connectInBackground();
  };

  constructor(options: SessionPoolOptions) {
    this.#options = options;
    this.#where = `${options.peer.address} (${options.peer.identity})`;
    options.identity.on('rotated', this.#onRotated);
    this.#connectInBackground();
  }

  status(): EndpointStatus {
    if (this.#current) return 'ready';
    return this.#failures > 0 || this.#closed ? 'failed' : 'pending';
  }

  /** The session to send on now, or the promise of the one being connected. */
  session(): ClientHttp2Session | Promise<ClientHttp2Session> {
    const current = this.#current;
    if (current && !current.closed && !current.destroyed) return current;
    if (current) this.#lost(current);
    if (this.#connecting) return this.#connecting;
    if (this.#closed || this.#failures > 0) {
      const why = this.#closed ? 'it left discovery' : this.#lastError?.message;
      return Promise.reject(new ProxyError('FAIL_FAST', `endpoint ${this.#where}: ${why}`));
    }
    return this.#connect();
  }

  /** Stops reconnecting; the session drains and closes. */
  close(): void {
    this.#closed = true;
    this.#options.identity.off('rotated', this.#onRotated);
    clearTimeout(this.#retry);
    this.#current?.close();
    this.#current = undefined;
  }

  #connect(): Promise<ClientHttp2Session> {
    const { identity, peer, connectTimeoutMs } = this.#options;
    const credentials = identity.credentials();
    const attempt = credentials
      ? connectMeshSession(peer, credentials, connectTimeoutMs, this.#options.transport)
      : Promise.reject(new ProxyError('TLS_HANDSHAKE', `${this.#where}: no mesh credentials yet`));
    const connecting: Promise<ClientHttp2Session> = attempt.then(
      (session) => {
        if (this.#connecting === connecting) this.#connecting = undefined;
        if (this.#closed) {
          session.close();
          throw new ProxyError('FAIL_FAST', `endpoint ${this.#where}: it left discovery`);
        }
        this.#adopt(session, credentials as Credentials);
        return session;
      },
      (error: ProxyError) => {
        if (this.#connecting === connecting) this.#connecting = undefined;
        if (!this.#closed) this.#failed(error);
        throw error;
      },
    );
    this.#connecting = connecting;
    return connecting;
  }

  #connectInBackground(): void {
    if (!this.#connecting && !this.#closed) this.#connect().catch(ignore);
  }

  #adopt(session: ClientHttp2Session, credentials: Credentials): void {
    if (this.#failures > 0) {
      this.#options.logger.info({ endpoint: this.#where }, 'endpoint reconnected');
    }
    const previous = this.#current;
    this.#current = session;
    this.#currentSince = performance.now();
    this.#failures = 0;
    this.#lastError = undefined;
    session.on('error', (error) =>
      this.#options.logger.debug({ endpoint: this.#where, err: error }, 'mesh session error'),
    );
    const lost = () => this.#lost(session);
    session.once('goaway', lost).once('close', lost);
    // The one it replaces (a rotation) finishes what it carries, then closes.
    previous?.close();
    // Credentials rotated while this one was connecting: it already presents the old ones.
    if (credentials !== this.#options.identity.credentials()) this.#connectInBackground();
  }

  #lost(session: ClientHttp2Session): void {
    if (this.#current !== session) return;
    this.#current = undefined;
    if (!session.destroyed) session.close();
    if (this.#closed) return;
    const livedMs = performance.now() - this.#currentSince;
    if (livedMs < this.#options.backoff.minMs) {
      const reason = `the peer hung up ${Math.round(livedMs)} ms after accepting the session`;
      this.#failed(new ProxyError('RESET', `${this.#where}: ${reason}`));
    } else {
      this.#connectInBackground();
    }
  }

  #failed(error: ProxyError): void {
    this.#failures += 1;
    this.#lastError = error;
    this.#options.onConnectError?.(error);
    const { minMs, maxMs, jitter } = this.#options.backoff;
    const delayMs =
      Math.min(maxMs, minMs * 2 ** Math.min(this.#failures - 1, 30)) * (1 + jitter * Math.random());
    const log = { endpoint: this.#where, code: error.code, reason: error.message, delayMs };
    if (this.#failures === 1)
      this.#options.logger.warn(log, 'endpoint failing; skipped until it reconnects');
    else this.#options.logger.debug(log, 'endpoint reconnect failed');
    clearTimeout(this.#retry);
    this.#retry = setTimeout(() => {
      this.#retry = undefined;
      this.#connectInBackground();
    }, delayMs);
    this.#retry.unref();
  }
}
