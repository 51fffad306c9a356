/**
 * A workload's mesh identity, obtained and renewed in memory. After `start()` the client keeps
 * one timer alive for as long as it runs: renew at 70 % of the remaining lifetime; on failure
 * keep the current credentials in service and retry with backoff. Nothing a listener or the
 * identity service does can stop that timer, and failures are reported as `certify-failed`
 * events rather than `error`, which would crash a process that forgot to listen.
 */
import { EventEmitter } from 'node:events';
import { CertifyError, certify } from '../certify/index.ts';
import type { Credentials } from '../credentials/index.ts';
import { type IdentityMetrics, identityMetrics } from './metrics.ts';
import { type IdentityClientOptions, type ResolvedOptions, resolveOptions } from './options.ts';
import { refreshDelayMs, retryDelayMs } from './refresh.ts';

export interface RetryInfo {
  /** Failed attempts in a row, this one included. */
  readonly consecutiveFailures: number;
  /** When the next attempt starts. */
  readonly retryInMs: number;
  /** Serial of the credentials still in service meanwhile; undefined before the first. */
  readonly servingSerial: string | undefined;
}

export interface IdentityClientEvents {
  /** New credentials are in force (the first ones included). */
  rotated: [credentials: Credentials];
  'certify-failed': [error: CertifyError, info: RetryInfo];
}

/** setTimeout fires at once beyond this; a maxRefresh of weeks must not become a busy loop. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export class IdentityClient extends EventEmitter<IdentityClientEvents> {
  readonly #options: ResolvedOptions;
  readonly #metrics: IdentityMetrics;
  #current: Credentials | undefined;
  #first: Promise<Credentials> | undefined;
  #settleFirst: { resolve(c: Credentials): void; reject(e: Error): void } | undefined;
  #timer: NodeJS.Timeout | undefined;
  #inFlight: AbortController | undefined;
  #failures = 0;
  #stopped = false;

  constructor(options: IdentityClientOptions) {
    super();
    this.#options = resolveOptions(options);
    this.#metrics = identityMetrics(this.#options.registry);
  }

  get identity(): string {
    return this.#options.identity;
  }

  /** Resolves with the first credentials; until then certify is retried with backoff. */
  start(): Promise<Credentials> {
    if (this.#stopped) return Promise.reject(new Error('identity client is stopped'));
    if (!this.#first) {
      this.#first = new Promise((resolve, reject) => {
        this.#settleFirst = { resolve, reject };
      });
      // A caller that never awaits start() must not turn stop() into an unhandled rejection.
      this.#first.catch(() => {});
      this.#renewSoon(0);
    }
    return this.#first;
  }

  /** The credentials in force, or undefined before the first certify succeeds. */
  credentials(): Credentials | undefined {
    return this.#current;
  }

  /** Stops renewing (for good). The current credentials stay readable. */
  stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#inFlight?.abort();
    this.#settleFirst?.reject(new Error('identity client stopped before it obtained credentials'));
    this.#settleFirst = undefined;
  }

  #renewSoon(delayMs: number): void {
    this.#timer = setTimeout(
      () => {
        this.#timer = undefined;
        this.#renew().catch((error: unknown) => {
          // #renew handles its own failures; reaching here is a bug, but the timer must live on.
          this.#options.logger.error({ err: error }, 'identity renewal crashed; retrying');
          if (!this.#stopped && !this.#timer) this.#renewSoon(this.#options.retry.maxMs);
        });
      },
      Math.min(delayMs, MAX_TIMER_MS),
    );
  }

  async #renew(): Promise<void> {
    const o = this.#options;
    const abort = new AbortController();
    this.#inFlight = abort;
    let credentials: Credentials;
    try {
      credentials = await certify({
        identity: o.identity,
        tokenFile: o.tokenFile,
        trustAnchorsPem: o.trustAnchorsPem,
        identityAddr: o.identityAddr,
        identityServerName: o.identityServerName,
        timeoutMs: o.certifyTimeoutMs,
        now: o.now,
        signal: abort.signal,
      });
    } catch (error) {
      if (!this.#stopped) this.#failed(asCertifyError(error));
      return;
    } finally {
      this.#inFlight = undefined;
    }
    if (!this.#stopped) this.#succeeded(credentials);
  }

  #succeeded(credentials: Credentials): void {
    const o = this.#options;
    this.#failures = 0;
    this.#current = credentials;
    this.#metrics.obtained(credentials);
    const refreshInMs = refreshDelayMs(
      credentials.validUntil.getTime(),
      o.now(),
      o.refresh,
      o.random,
    );
    this.#renewSoon(refreshInMs);
    o.logger.info(
      {
        identity: o.identity,
        serial: credentials.serial,
        validUntil: credentials.validUntil,
        refreshInMs,
      },
      'identity certificate obtained',
    );
    this.#emitSafely('rotated', credentials);
    this.#settleFirst?.resolve(credentials);
    this.#settleFirst = undefined;
  }

  #failed(error: CertifyError): void {
    const o = this.#options;
    this.#failures += 1;
    this.#metrics.failed();
    const retryInMs = retryDelayMs(this.#failures, o.retry, o.random);
    this.#renewSoon(retryInMs);
    const info: RetryInfo = {
      consecutiveFailures: this.#failures,
      retryInMs,
      servingSerial: this.#current?.serial,
    };
    o.logger.warn(
      { identity: o.identity, code: error.code, reason: error.message, ...info },
      'identity certify failed; keeping current credentials and retrying',
    );
    this.#emitSafely('certify-failed', error, info);
  }

  #emitSafely<K extends keyof IdentityClientEvents>(event: K, ...args: IdentityClientEvents[K]) {
    try {
      (this.emit as (event: K, ...args: IdentityClientEvents[K]) => boolean)(event, ...args);
    } catch (error) {
      // A listener's bug is reported, not allowed to cancel the renewal already scheduled.
      this.#options.logger.error({ err: error, event }, 'identity client listener threw');
    }
  }
}

function asCertifyError(error: unknown): CertifyError {
  if (error instanceof CertifyError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new CertifyError('internal', `certify failed unexpectedly: ${message}`, { cause: error });
}
