/**
 * Where every service's endpoints are, as the proxies themselves report it: each endpoint is
 * held by a lease that a heartbeat renews, and leaves the set when its proxy deregisters or the
 * lease lapses. Pure bookkeeping with an injected clock — no sockets, no timers — so that leases,
 * expiry and the rebuild window are tested without waiting. Watchers hear each change
 * synchronously, in the call that made it: the server's push is one write away.
 *
 * Authorization is not decided here but it is enforced here: a registration carries the
 * caller's verified identity, and the endpoint's identity is that one, whatever was claimed.
 */
import { randomUUID } from 'node:crypto';
import type { DestinationEndpoint, DestinationUpdate } from '@fusion/mesh-types';
import type { WorkloadIdentity } from '@fusion/pki';
import { DestinationRefusal } from './refusal.ts';

export interface EndpointRegistryOptions {
  /** How long an endpoint stays without a heartbeat. */
  readonly ttlMs: number;
  /** What the server asks proxies to heartbeat at (well inside ttlMs). */
  readonly heartbeatMs: number;
  /**
   * After a start, how long sets are marked incomplete while proxies re-register (see
   * DestinationUpdate.complete). 0 when nothing ran before this registry.
   */
  readonly rebuildMs: number;
  /** Services that exist with no endpoint (fusion.yaml's); undefined: every service exists. */
  readonly knownServices?: readonly string[];
  /** Milliseconds, monotonic enough for leases; Date.now by default. */
  readonly now?: () => number;
}

export interface Registration {
  /** The caller's identity, from its verified client certificate. */
  readonly caller: WorkloadIdentity;
  readonly service: string;
  readonly address: string;
  readonly instance: string;
  readonly labels: Readonly<Record<string, string>>;
  /** Probed before callers are sent to it (see RegisterRequest.readiness_path). */
  readonly readinessPath?: string;
}

export interface Lease {
  readonly id: string;
  readonly ttlMs: number;
  readonly heartbeatMs: number;
}

export type WatchListener = (update: DestinationUpdate) => void;

/** An endpoint with its lease's times (ms, the registry's clock), for the public API. */
export interface HeldEndpoint {
  readonly service: string;
  readonly endpoint: DestinationEndpoint;
  readonly registeredAt: number;
  readonly renewedAt: number;
  readonly expiresAt: number;
  /** In the sets callers get: probed ready, or not probed at all. */
  readonly ready: boolean;
  readonly readinessPath: string | undefined;
}

/** Why an endpoint left (or joined) a set: the log line and the metric say which. */
export type Change = 'registered' | 'replaced' | 'deregistered' | 'expired' | 'ready' | 'unready';
export type ChangeListener = (
  change: Change,
  service: string,
  endpoint: DestinationEndpoint,
) => void;

interface Held {
  readonly leaseId: string;
  readonly caller: string;
  readonly service: string;
  readonly endpoint: DestinationEndpoint;
  readonly registeredAt: number;
  renewedAt: number;
  expiresAt: number;
  /** Until a probe succeeds, an endpoint with a readiness path is held but not sent. */
  ready: boolean;
  readonly readinessPath: string | undefined;
}

interface ServiceSet {
  version: number;
  /** By address: one address serves one endpoint, so a re-registration replaces, never doubles. */
  readonly byAddress: Map<string, Held>;
  readonly watchers: Set<WatchListener>;
}

export class EndpointRegistry {
  readonly #options: EndpointRegistryOptions;
  readonly #now: () => number;
  readonly #known: ReadonlySet<string> | undefined;
  readonly #rebuiltAt: number;
  readonly #leases = new Map<string, Held>();
  readonly #services = new Map<string, ServiceSet>();
  readonly #changeListeners = new Set<ChangeListener>();
  #complete: boolean;

  constructor(options: EndpointRegistryOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
    this.#known = options.knownServices && new Set(options.knownServices);
    this.#rebuiltAt = this.#now() + options.rebuildMs;
    this.#complete = options.rebuildMs <= 0;
  }

  /** Adds (or replaces, by address) the caller's endpoint; refuses a service not its own. */
  register(registration: Registration): Lease {
    const { caller, service } = registration;
    if (caller.service !== service) {
      throw new DestinationRefusal(
        'service-identity-mismatch',
        `${caller.name} may register only as service '${caller.service}', not '${service}'`,
      );
    }
    const endpoint: DestinationEndpoint = {
      address: registration.address,
      identity: caller.name,
      instance: registration.instance,
      labels: registration.labels,
    };
    const set = this.#set(service);
    const previous = set.byAddress.get(endpoint.address);
    if (previous) this.#leases.delete(previous.leaseId);
    const now = this.#now();
    const same = previous !== undefined && sameEndpoint(previous.endpoint, endpoint);
    const held: Held = {
      leaseId: randomUUID(),
      caller: caller.name,
      service,
      endpoint,
      registeredAt: now,
      renewedAt: now,
      expiresAt: now + this.#options.ttlMs,
      readinessPath: registration.readinessPath,
      // The same endpoint registering again keeps its state; a new one waits for its probe.
      ready: same ? previous.ready : registration.readinessPath === undefined,
    };
    set.byAddress.set(endpoint.address, held);
    this.#leases.set(held.leaseId, held);
    // A proxy re-registering after a control-plane restart changes nothing its watchers see.
    if (!same) this.#changed(set, service, previous ? 'replaced' : 'registered', endpoint);
    return this.#leaseOf(held);
  }

  /** Renews a lease; `lease-unknown` tells the proxy to register again. */
  heartbeat(leaseId: string, caller: WorkloadIdentity): Lease {
    const held = this.#owned(leaseId, caller);
    held.renewedAt = this.#now();
    held.expiresAt = held.renewedAt + this.#options.ttlMs;
    return this.#leaseOf(held);
  }

  /**
   * What the prober found: an endpoint joins the sets callers get when ready, leaves them when
   * not (its lease stays). False when the address is no longer held.
   */
  setReady(service: string, address: string, ready: boolean): boolean {
    const held = this.#services.get(service)?.byAddress.get(address);
    if (!held) return false;
    if (held.ready !== ready) {
      held.ready = ready;
      this.#changed(
        this.#services.get(service)!,
        service,
        ready ? 'ready' : 'unready',
        held.endpoint,
      );
    }
    return true;
  }

  /** Removes the lease's endpoint now; false when the lease was already gone. */
  deregister(leaseId: string, caller: WorkloadIdentity): boolean {
    if (!this.#leases.has(leaseId)) return false;
    this.#remove(this.#owned(leaseId, caller), 'deregistered');
    return true;
  }

  /**
   * Drops every lapsed lease, and closes the rebuild window once it is over; returns how many
   * endpoints left. Called on a timer by the component, and by tests after moving the clock.
   */
  sweep(): number {
    const now = this.#now();
    let expired = 0;
    for (const held of this.#leases.values()) {
      if (held.expiresAt > now) continue;
      this.#remove(held, 'expired');
      expired += 1;
    }
    if (!this.#complete && now >= this.#rebuiltAt) {
      this.#complete = true;
      // Until now clients only added; this is the set they may remove by.
      for (const [service, set] of this.#services) this.#changed(set, service);
    }
    return expired;
  }

  /** The current set of `service` (an empty one for a service nobody has registered). */
  snapshot(service: string): DestinationUpdate {
    const set = this.#services.get(service);
    const endpoints = set
      ? [...set.byAddress.values()].filter((h) => h.ready).map((h) => h.endpoint)
      : [];
    return {
      service,
      version: set?.version ?? 0,
      exists: this.#known === undefined || this.#known.has(service) || endpoints.length > 0,
      complete: this.#complete,
      endpoints,
    };
  }

  /** Calls `listener` with the current set now, then after every change; returns unwatch. */
  watch(service: string, listener: WatchListener): () => void {
    const set = this.#set(service);
    set.watchers.add(listener);
    listener(this.snapshot(service));
    return () => {
      set.watchers.delete(listener);
      if (set.watchers.size === 0 && set.byAddress.size === 0) this.#services.delete(service);
    };
  }

  onChange(listener: ChangeListener): () => void {
    this.#changeListeners.add(listener);
    return () => this.#changeListeners.delete(listener);
  }

  /** Endpoints and watchers per service, for metrics. */
  counts(): { service: string; endpoints: number; watchers: number }[] {
    return [...this.#services].map(([service, set]) => ({
      service,
      endpoints: set.byAddress.size,
      watchers: set.watchers.size,
    }));
  }

  /** Every endpoint held now, by service in registration order, with its lease's times. */
  held(): HeldEndpoint[] {
    const out: HeldEndpoint[] = [];
    for (const [service, set] of this.#services) {
      for (const held of set.byAddress.values()) {
        const { endpoint, registeredAt, renewedAt, expiresAt, ready, readinessPath } = held;
        out.push({ service, endpoint, registeredAt, renewedAt, expiresAt, ready, readinessPath });
      }
    }
    return out;
  }

  /** The heartbeat period proxies are asked for; a longer silence means one was missed. */
  get heartbeatMs(): number {
    return this.#options.heartbeatMs;
  }

  get complete(): boolean {
    return this.#complete;
  }

  #owned(leaseId: string, caller: WorkloadIdentity): Held {
    const held = this.#leases.get(leaseId);
    if (!held) {
      throw new DestinationRefusal(
        'lease-unknown',
        `lease ${leaseId} is not held here (expired, or the control plane restarted); register again`,
      );
    }
    if (held.caller !== caller.name) {
      throw new DestinationRefusal(
        'lease-identity-mismatch',
        `lease ${leaseId} belongs to ${held.caller}, not ${caller.name}`,
      );
    }
    return held;
  }

  #remove(held: Held, why: Change): void {
    this.#leases.delete(held.leaseId);
    const set = this.#services.get(held.service);
    if (!set || set.byAddress.get(held.endpoint.address) !== held) return;
    set.byAddress.delete(held.endpoint.address);
    this.#changed(set, held.service, why, held.endpoint);
    if (set.byAddress.size === 0 && set.watchers.size === 0) this.#services.delete(held.service);
  }

  #set(service: string): ServiceSet {
    let set = this.#services.get(service);
    if (!set) {
      set = { version: 0, byAddress: new Map(), watchers: new Set() };
      this.#services.set(service, set);
    }
    return set;
  }

  #changed(set: ServiceSet, service: string, why?: Change, endpoint?: DestinationEndpoint): void {
    set.version += 1;
    if (why && endpoint)
      for (const listener of this.#changeListeners) listener(why, service, endpoint);
    if (set.watchers.size === 0) return;
    const update = this.snapshot(service);
    for (const watcher of set.watchers) watcher(update);
  }

  #leaseOf(held: Held): Lease {
    return { id: held.leaseId, ttlMs: this.#options.ttlMs, heartbeatMs: this.#options.heartbeatMs };
  }
}

function sameEndpoint(a: DestinationEndpoint, b: DestinationEndpoint): boolean {
  if (a.address !== b.address || a.identity !== b.identity || a.instance !== b.instance) {
    return false;
  }
  const keys = Object.keys(a.labels);
  return (
    keys.length === Object.keys(b.labels).length && keys.every((k) => a.labels[k] === b.labels[k])
  );
}
