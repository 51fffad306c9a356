/**
 * One service's Get stream: its whole endpoint set as the first line, then one per change,
 * kept open through reconnects by LineWatch. Every line is checked here before discovery sees
 * it: an endpoint the proxy could not verify, or could not dial, must never reach a balancer.
 */
import { type DestinationUpdate, GET_PATH } from '@fusion/mesh-types';
import type { Logger } from '@fusion/telemetry';
import { splitHostPort } from '../discovery/index.ts';
import type { ReconnectBackoff } from './backoff.ts';
import type { DestinationConnection } from './connection.ts';
import { LineWatch } from './line-watch.ts';

export interface ServiceWatchOptions {
  readonly logger: Logger;
  readonly backoff?: Partial<ReconnectBackoff>;
  readonly random?: () => number;
}

export class ServiceWatch {
  readonly #watch: LineWatch<DestinationUpdate>;

  constructor(
    connection: DestinationConnection,
    service: string,
    onUpdate: (update: DestinationUpdate) => void,
    options: ServiceWatchOptions,
  ) {
    this.#watch = new LineWatch(connection, {
      path: GET_PATH,
      body: { service },
      parse: (value) => parseUpdate(value, service),
      onUpdate,
      logger: options.logger,
      fields: { service },
      messages: {
        lineRefused: 'destination update refused; keeping the endpoints last received',
        watchRefused: 'destination service refused the watch',
      },
      ...(options.backoff ? { backoff: options.backoff } : {}),
      ...(options.random ? { random: options.random } : {}),
    });
  }

  stop(): void {
    this.#watch.stop();
  }
}

/** Checks one line of the Get stream; throws saying what is wrong with it. */
export function parseUpdate(value: unknown, service: string): DestinationUpdate {
  const update = value as Partial<DestinationUpdate> | null;
  if (typeof update !== 'object' || update === null) throw new Error('an update must be an object');
  if (update.service !== service) {
    throw new Error(`an update for ${JSON.stringify(update.service)} on the watch of '${service}'`);
  }
  if (typeof update.version !== 'number' || typeof update.exists !== 'boolean') {
    throw new Error('an update needs a numeric version and a boolean exists');
  }
  if (typeof update.complete !== 'boolean' || !Array.isArray(update.endpoints)) {
    throw new Error('an update needs a boolean complete and an endpoints list');
  }
  for (const endpoint of update.endpoints) {
    const { address, identity, instance, labels } = endpoint ?? {};
    if (typeof address !== 'string' || splitHostPort(address).port === undefined) {
      throw new Error(`endpoint address must be "host:port", got ${JSON.stringify(address)}`);
    }
    // An endpoint the proxy cannot verify is one it must not be told about.
    if (typeof identity !== 'string' || identity.length === 0) {
      throw new Error(`endpoint ${address} has no identity`);
    }
    if (typeof instance !== 'string' || typeof labels !== 'object' || labels === null) {
      throw new Error(`endpoint ${address} needs an instance and labels`);
    }
  }
  return update as DestinationUpdate;
}
