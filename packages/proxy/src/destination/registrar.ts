/**
 * Puts this proxy's inbound endpoint in the destination service's registry and keeps it there:
 * Register once the inbound listener is up, a Heartbeat as often as the lease asks, Register
 * again whenever the server no longer knows the lease (it restarted, or the lease lapsed while
 * we could not reach it), and Deregister at shutdown before the listeners close, so callers
 * stop choosing us while we can still answer what they already sent.
 *
 * Every call is made on the shared connection; when it is down nothing is retried here, the
 * connection's `up` starts the next attempt — a Heartbeat first, which tells a restarted
 * control plane from a network blip.
 */
import {
  DEREGISTER_PATH,
  type DestinationErrorBody,
  HEARTBEAT_PATH,
  type LeaseResponse,
  REGISTER_PATH,
  type RegisterRequest,
} from '@fusion/mesh-types';
import type { Logger } from '@fusion/telemetry';
import { backoffDelayMs, DEFAULT_CONTROL_BACKOFF, type ReconnectBackoff } from './backoff.ts';
import type { DestinationConnection, JsonReply } from './connection.ts';

export interface RegistrarOptions {
  readonly connection: DestinationConnection;
  readonly registration: RegisterRequest;
  readonly logger: Logger;
  readonly backoff?: Partial<ReconnectBackoff>;
  /** Per call; default 3 s. */
  readonly callTimeoutMs?: number;
  readonly random?: () => number;
}

export interface RegistrarState {
  readonly registration: RegisterRequest;
  readonly registered: boolean;
  readonly leaseId: string | null;
  /** Successful Register calls: 1 after start, one more after each control-plane restart. */
  readonly registrations: number;
  readonly lastError: string | null;
}

/** A refusal from the server, with its stable code. */
class Refused extends Error {
  constructor(
    readonly code: string,
    readonly status: number,
    message: string,
  ) {
    super(`${status} ${code}: ${message}`);
  }
}

export class Registrar {
  readonly #options: RegistrarOptions;
  readonly #backoff: ReconnectBackoff;
  readonly #first: Promise<void>;
  #settleFirst: { resolve(): void; reject(error: Error): void } | undefined;
  #lease: LeaseResponse | undefined;
  #registrations = 0;
  #failures = 0;
  #lastError: string | undefined;
  #timer: NodeJS.Timeout | undefined;
  #busy = false;
  #again = false;
  #stopped = false;
  readonly #onUp = () => void this.#sync();

  constructor(options: RegistrarOptions) {
    this.#options = options;
    this.#backoff = { ...DEFAULT_CONTROL_BACKOFF, ...options.backoff };
    this.#first = new Promise((resolve, reject) => {
      this.#settleFirst = { resolve, reject };
    });
    this.#first.catch(() => {});
    options.connection.on('up', this.#onUp);
    void this.#sync();
  }

  /** Resolves after the first successful Register; rejects if stopped before. */
  registered(): Promise<void> {
    return this.#first;
  }

  state(): RegistrarState {
    return {
      registration: this.#options.registration,
      registered: this.#lease !== undefined,
      leaseId: this.#lease?.lease_id ?? null,
      registrations: this.#registrations,
      lastError: this.#lastError ?? null,
    };
  }

  /** Stops renewing and removes the endpoint now, if the server can be told; never throws. */
  async deregister(): Promise<boolean> {
    const lease = this.#lease;
    this.stop();
    if (!lease) return false;
    try {
      const reply = await this.#call(DEREGISTER_PATH, { lease_id: lease.lease_id });
      const removed = (reply as { removed?: unknown }).removed === true;
      this.#options.logger.info({ lease_id: lease.lease_id, removed }, 'deregistered');
      return removed;
    } catch (error) {
      // The lease lapses by itself within one ttl; callers will find us failing before that.
      this.#options.logger.warn({ reason: (error as Error).message }, 'deregistration failed');
      return false;
    }
  }

  /** Stops for good, leaving the lease to lapse. */
  stop(): void {
    this.#stopped = true;
    this.#lease = undefined;
    clearTimeout(this.#timer);
    this.#options.connection.off('up', this.#onUp);
    this.#settleFirst?.reject(new Error('the registrar stopped before registering'));
    this.#settleFirst = undefined;
  }

  async #sync(): Promise<void> {
    if (this.#busy) {
      this.#again = true;
      return;
    }
    this.#busy = true;
    clearTimeout(this.#timer);
    try {
      do {
        this.#again = false;
        await this.#step();
      } while (this.#again && !this.#stopped);
    } finally {
      this.#busy = false;
    }
  }

  async #step(): Promise<void> {
    if (this.#stopped || !this.#options.connection.session()) return;
    const held = this.#lease;
    try {
      const lease = held
        ? await this.#call(HEARTBEAT_PATH, { lease_id: held.lease_id })
        : await this.#call(REGISTER_PATH, this.#options.registration);
      if (this.#stopped) return;
      this.#renewed(lease as LeaseResponse, held === undefined);
    } catch (error) {
      if (this.#stopped) return;
      if (error instanceof Refused && error.code === 'lease-unknown') {
        this.#options.logger.info(
          { lease_id: held?.lease_id },
          'the destination service no longer holds our lease; registering again',
        );
        this.#lease = undefined;
        this.#again = true;
        return;
      }
      this.#failed(error as Error);
    }
  }

  #renewed(lease: LeaseResponse, registered: boolean): void {
    this.#lease = lease;
    this.#failures = 0;
    this.#lastError = undefined;
    if (registered) {
      this.#registrations += 1;
      const { address, service, instance } = this.#options.registration;
      this.#options.logger.info(
        { address, service, instance, lease_id: lease.lease_id, ttl_ms: lease.ttl_ms },
        'registered with the destination service',
      );
      this.#settleFirst?.resolve();
      this.#settleFirst = undefined;
    }
    this.#schedule(lease.heartbeat_ms);
  }

  #failed(error: Error): void {
    this.#failures += 1;
    const repeated = this.#lastError === error.message;
    this.#lastError = error.message;
    // A refusal (403: not our service) will not fix itself; say so loudly, once per reason.
    if (!repeated) {
      const level = error instanceof Refused ? 'error' : 'warn';
      this.#options.logger[level](
        { reason: error.message },
        'registration with the destination service failed',
      );
    }
    // Disconnected: the connection's `up` brings the next attempt, no timer needed.
    if (!this.#options.connection.session()) return;
    this.#schedule(backoffDelayMs(this.#failures, this.#backoff, this.#options.random));
  }

  #schedule(delayMs: number): void {
    clearTimeout(this.#timer);
    if (this.#stopped) return;
    this.#timer = setTimeout(() => void this.#sync(), delayMs);
    this.#timer.unref();
  }

  async #call(path: string, body: unknown): Promise<unknown> {
    const reply: JsonReply = await this.#options.connection.call(
      path,
      body,
      this.#options.callTimeoutMs ?? 3_000,
    );
    if (reply.status === 200) return reply.body;
    const refusal = (reply.body as Partial<DestinationErrorBody>).error;
    throw new Refused(
      refusal?.code ?? 'unknown',
      reply.status,
      refusal?.message ?? 'no reason given',
    );
  }
}

/**
 * The address other proxies dial: the inbound listener's, except that a wildcard bind names no
 * host to dial, and on one machine loopback is where everyone reaches it.
 */
export function advertisedAddress(bound: { address: string; port: number }): string {
  const host = bound.address === '0.0.0.0' || bound.address === '::' ? '127.0.0.1' : bound.address;
  return host.includes(':') ? `[${host}]:${bound.port}` : `${host}:${bound.port}`;
}
