/**
 * This proxy's own policy, watched from the destination service: the first line is the policy
 * in force, then one line each time a reloaded fusion.yaml changes it. The last policy
 * received is kept through control-plane outages, as endpoints are: it was right when it
 * arrived, and a reconnect resynchronises from the new stream's first line.
 *
 * The outbound route stage follows it (timeouts, retries, circuit breakers, failure accrual);
 * readiness does not wait for it — a sidecar must come up on a control plane that has no
 * policy for it, and then applies only the deadlines requests carry.
 */
import { EventEmitter } from 'node:events';
import {
  type OutboundPolicy,
  POLICY_WATCH_PATH,
  type PolicyUpdate,
  type ServicePolicy,
} from '@fusion/mesh-types';
import type { Logger } from '@fusion/telemetry';
import type { ReconnectBackoff } from './backoff.ts';
import type { DestinationConnection } from './connection.ts';
import { LineWatch } from './line-watch.ts';

export interface PolicyWatchOptions {
  readonly connection: DestinationConnection;
  /** This proxy's service; the server checks it against our certificate. */
  readonly service: string;
  readonly logger: Logger;
  readonly backoff?: Partial<ReconnectBackoff>;
}

/** What `GET /config` shows as `policy`. */
export interface PolicyState {
  readonly source: 'destination';
  readonly service: string;
  /** Null before the first answer; false when fusion.yaml has no such service. */
  readonly exists: boolean | null;
  readonly version: string | null;
  /** When the version held arrived (ISO time); a resync with the same version keeps it. */
  readonly receivedAt: string | null;
  /** Lines received since start, resyncs included. */
  readonly updates: number;
  /** Versions received since start that differed from the one held. */
  readonly changes: number;
  readonly policy: ServicePolicy | null;
}

export class PolicyWatch extends EventEmitter<{ change: [policy: ServicePolicy | undefined] }> {
  readonly #options: PolicyWatchOptions;
  readonly #watch: LineWatch<PolicyUpdate>;
  #answered = false;
  #exists = false;
  #policy: ServicePolicy | undefined;
  #receivedAt: Date | undefined;
  #updates = 0;
  #changes = 0;

  constructor(options: PolicyWatchOptions) {
    super();
    this.#options = options;
    const { service } = options;
    this.#watch = new LineWatch(options.connection, {
      path: POLICY_WATCH_PATH,
      body: { service },
      parse: (value) => parsePolicyUpdate(value, service),
      onUpdate: (update) => this.#apply(update),
      logger: options.logger,
      fields: { service },
      messages: {
        lineRefused: 'policy update refused; keeping the policy last received',
        watchRefused: 'destination service refused the policy watch',
      },
      ...(options.backoff ? { backoff: options.backoff } : {}),
    });
  }

  /** The policy held; undefined before the first answer or when the service has none. */
  current(): ServicePolicy | undefined {
    return this.#policy;
  }

  /** The outbound policy towards `service` held now (the outbound route stage reads it). */
  towards(service: string): OutboundPolicy | undefined {
    return this.#policy?.outbound[service];
  }

  /** Calls `listener` after each change of the policy held; returns what stops it. */
  watch(listener: () => void): () => void {
    this.on('change', listener);
    return () => this.off('change', listener);
  }

  state(): PolicyState {
    return {
      source: 'destination',
      service: this.#options.service,
      exists: this.#answered ? this.#exists : null,
      version: this.#policy?.version ?? null,
      receivedAt: this.#receivedAt?.toISOString() ?? null,
      updates: this.#updates,
      changes: this.#changes,
      policy: this.#policy ?? null,
    };
  }

  close(): void {
    this.#watch.stop();
  }

  #apply(update: PolicyUpdate): void {
    this.#updates += 1;
    const previous = this.#policy;
    const first = !this.#answered;
    this.#answered = true;
    this.#exists = update.exists;
    const next = update.policy ?? undefined;
    if (!first && next?.version === previous?.version) return;
    this.#policy = next;
    this.#receivedAt = new Date();
    if (!first) this.#changes += 1;
    const { logger, service } = this.#options;
    if (next) {
      logger.info(
        { service, version: next.version, previous: previous?.version ?? null },
        'policy received',
      );
    } else {
      logger.warn({ service }, 'the destination service has no policy for this service');
    }
    this.emit('change', next);
  }
}

/** Checks one line of the Watch stream; throws saying what is wrong with it. */
export function parsePolicyUpdate(value: unknown, service: string): PolicyUpdate {
  const update = value as Partial<PolicyUpdate> | null;
  if (typeof update !== 'object' || update === null) throw new Error('an update must be an object');
  if (update.service !== service) {
    throw new Error(`a policy for ${JSON.stringify(update.service)} on the watch of '${service}'`);
  }
  if (typeof update.exists !== 'boolean') throw new Error('a policy update needs a boolean exists');
  if (!update.exists) {
    if (update.policy !== null)
      throw new Error('a policy update with exists: false has policy null');
    return update as PolicyUpdate;
  }
  const policy = update.policy as Partial<ServicePolicy> | null | undefined;
  if (typeof policy !== 'object' || policy === null)
    throw new Error('a policy update needs a policy');
  if (policy.service !== service || typeof policy.version !== 'string' || policy.version === '') {
    throw new Error(`the policy must be for '${service}' and carry a version`);
  }
  if (!isObject(policy.inbound) || !isObject(policy.outbound)) {
    throw new Error('the policy needs inbound and outbound sections');
  }
  return update as PolicyUpdate;
}

function isObject(value: unknown): boolean {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
