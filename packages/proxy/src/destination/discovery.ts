/**
 * Discovery from the destination service. A service is watched from the first time anything
 * resolves it, and its last set received is cached and served from then on — also while the
 * control plane cannot be reached, because the replicas it named are very likely still there,
 * and failing ones are skipped by the balancer anyway. When the connection returns the watch
 * opens again and its first line, a whole set, resynchronises the cache.
 *
 * The first resolve of a service cannot have an answer yet; `whenResolved` lets the logical
 * stage wait for it (bounded by initialTimeoutMs) rather than fail the service's first request.
 */
import { EventEmitter } from 'node:events';
import type { DestinationEndpoint, DestinationUpdate } from '@fusion/mesh-types';
import type { Logger } from '@fusion/telemetry';
import type { Discovery, Endpoint } from '../discovery/index.ts';
import type { ReconnectBackoff } from './backoff.ts';
import type { DestinationConnection } from './connection.ts';
import { ServiceWatch } from './watch.ts';

/** Far more services than a mesh has; past it, names apps make up are not watched. */
export const MAX_WATCHED_SERVICES = 256;
/** What the destination service takes as a service name (an IP address is not one). */
const SERVICE_NAME = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

export interface DestinationDiscoveryOptions {
  readonly connection: DestinationConnection;
  readonly logger: Logger;
  /**
   * How long a service's first request waits for its first answer. Default 3 s, Linkerd's
   * outbound fail-fast timeout: past it the request fails with FAIL_FAST, as any other would.
   */
  readonly initialTimeoutMs?: number;
  readonly backoff?: Partial<ReconnectBackoff>;
}

/** An endpoint as the destination service names it: instance and labels kept for /config. */
export interface DiscoveredEndpoint extends Endpoint {
  readonly identity: string;
  readonly instance: string;
  readonly labels: Readonly<Record<string, string>>;
}

export interface ServiceState {
  readonly exists: boolean;
  readonly version: number;
  readonly complete: boolean;
  /** When the set now held arrived (ISO time); null before the first answer. */
  readonly receivedAt: string | null;
  readonly endpoints: readonly DiscoveredEndpoint[];
}

interface Entry {
  readonly firstAnswer: Promise<void>;
  answered: () => void;
  hasAnswer: boolean;
  exists: boolean;
  version: number;
  complete: boolean;
  receivedAt: Date | undefined;
  endpoints: readonly DiscoveredEndpoint[];
}

export class DestinationDiscovery
  extends EventEmitter<{ change: [service: string] }>
  implements Discovery
{
  readonly #options: DestinationDiscoveryOptions;
  readonly #entries = new Map<string, Entry>();
  readonly #watches: ServiceWatch[] = [];
  #closed = false;
  #full = false;

  constructor(options: DestinationDiscoveryOptions) {
    super();
    this.#options = options;
  }

  resolve(service: string): readonly Endpoint[] | undefined {
    const entry = this.#entryOf(service);
    return entry?.exists ? entry.endpoints : undefined;
  }

  services(): string[] {
    return [...this.#entries].filter(([, e]) => e.exists).map(([service]) => service);
  }

  whenResolved(service: string): Promise<void> | undefined {
    const entry = this.#entryOf(service);
    if (!entry || entry.hasAnswer) return undefined;
    const timeoutMs = this.#options.initialTimeoutMs ?? 3_000;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        const { connected, lastError } = this.#options.connection.state();
        const why = connected ? '' : `: ${lastError ?? 'not connected yet'}`;
        reject(
          new Error(
            `the destination service at ${this.#options.connection.address} has not answered for '${service}' within ${timeoutMs} ms${why}`,
          ),
        );
      }, timeoutMs);
      timer.unref();
      void entry.firstAnswer.then(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  /** Every service held, for `GET /config`. */
  state(): Record<string, ServiceState> {
    const out: Record<string, ServiceState> = {};
    for (const [service, e] of this.#entries) {
      out[service] = {
        exists: e.exists,
        version: e.version,
        complete: e.complete,
        receivedAt: e.receivedAt?.toISOString() ?? null,
        endpoints: e.endpoints,
      };
    }
    return out;
  }

  close(): void {
    this.#closed = true;
    for (const watch of this.#watches) watch.stop();
  }

  /** The service's entry, watched from now on; undefined for a name that can be no service. */
  #entryOf(service: string): Entry | undefined {
    const entry = this.#entries.get(service);
    if (entry) return entry;
    if (!SERVICE_NAME.test(service)) return undefined;
    if (this.#entries.size >= MAX_WATCHED_SERVICES) {
      if (!this.#full) {
        this.#full = true;
        this.#options.logger.warn(
          { service, watched: this.#entries.size },
          'too many services watched; new names are treated as unknown',
        );
      }
      return undefined;
    }
    return this.#watch(service);
  }

  #watch(service: string): Entry {
    let answered = () => {};
    const firstAnswer = new Promise<void>((resolve) => {
      answered = resolve;
    });
    const entry: Entry = {
      firstAnswer,
      answered,
      hasAnswer: false,
      exists: false,
      version: 0,
      complete: false,
      receivedAt: undefined,
      endpoints: [],
    };
    this.#entries.set(service, entry);
    if (this.#closed) return entry;
    const watch = new ServiceWatch(
      this.#options.connection,
      service,
      (update) => this.#apply(service, entry, update),
      {
        logger: this.#options.logger,
        ...(this.#options.backoff ? { backoff: this.#options.backoff } : {}),
      },
    );
    this.#watches.push(watch);
    return entry;
  }

  #apply(service: string, entry: Entry, update: DestinationUpdate): void {
    const before = entry.exists ? entry.endpoints : undefined;
    const received = update.endpoints.map(discovered);
    if (update.complete) {
      entry.exists = update.exists;
      entry.endpoints = update.exists ? received : [];
    } else {
      // A control plane rebuilding its registry may not have heard from every replica yet:
      // add what it names, remove nothing, until it sends a complete set.
      const addresses = new Set(received.map((e) => e.address));
      entry.exists = entry.exists || update.exists;
      entry.endpoints = [...received, ...entry.endpoints.filter((e) => !addresses.has(e.address))];
    }
    entry.version = update.version;
    entry.complete = update.complete;
    entry.receivedAt = new Date();
    const first = !entry.hasAnswer;
    entry.hasAnswer = true;
    if (first) entry.answered();
    const after = entry.exists ? entry.endpoints : undefined;
    if (!sameEndpoints(before, after)) {
      this.#options.logger.debug(
        { service, version: update.version, endpoints: after?.length ?? null },
        'endpoints changed',
      );
      this.emit('change', service);
    }
  }
}

function discovered(endpoint: DestinationEndpoint): DiscoveredEndpoint {
  return {
    address: endpoint.address,
    identity: endpoint.identity,
    instance: endpoint.instance,
    labels: endpoint.labels,
  };
}

function sameEndpoints(
  a: readonly DiscoveredEndpoint[] | undefined,
  b: readonly DiscoveredEndpoint[] | undefined,
): boolean {
  if (a === undefined || b === undefined) return a === b;
  return (
    a.length === b.length &&
    a.every((e, i) => e.address === b[i]?.address && e.identity === b[i]?.identity)
  );
}
