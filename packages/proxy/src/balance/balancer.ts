/**
 * The balancer layer: turns a factory of endpoint stacks into a factory of balancers, one per
 * service. A balancer keeps one stack per endpoint that discovery names (built once, kept
 * across discovery updates while the endpoint stays) and sends each request to one of them by
 * power of two choices over peak-EWMA load, as Linkerd does for HTTP.
 *
 * Fail-fast: endpoints whose connection failed are skipped until they reconnect; endpoints
 * still connecting are used only when none is ready; with neither, the request fails at once
 * with FAIL_FAST rather than waiting on a replica that is down.
 */

import { classifyResponse } from '../classify/classify.ts';
import type { Endpoint } from '../discovery/index.ts';
import { ProxyError } from '../errors/proxy-error.ts';
import type { HttpHandler } from '../http/message.ts';
import type { Layer } from '../stack/stack.ts';
import { pickP2c } from './p2c.ts';
import { DEFAULT_RTT_MS, PeakEwma, type PeakEwmaOptions } from './peak-ewma.ts';

/** Linkerd's `endpoint_state`, plus the failing state that fail-fast skips. */
export type EndpointStatus = 'ready' | 'pending' | 'failed';

/** What an endpoint stack is built for: one replica of one service. */
export interface EndpointTarget extends Endpoint {
  readonly service: string;
}

export interface EndpointService {
  readonly handle: HttpHandler;
  /** Polled on every pick, so it must be cheap. */
  status(): EndpointStatus;
  /** The endpoint left discovery, or the proxy is stopping: let in-flight requests finish. */
  close(): void;
}

export type NewEndpoint = (target: EndpointTarget) => EndpointService;

export interface BalanceTarget {
  readonly service: string;
  readonly endpoints: readonly Endpoint[];
}

export interface EndpointSnapshot extends Endpoint {
  readonly status: EndpointStatus;
  readonly pending: number;
  readonly rttEstimateMs: number;
}

export interface Balancer {
  readonly handle: HttpHandler;
  /** Follows discovery: keeps unchanged endpoints (and their load), adds and closes others. */
  update(endpoints: readonly Endpoint[]): void;
  snapshot(): EndpointSnapshot[];
  close(): void;
}

export type NewBalancer = (target: BalanceTarget) => Balancer;

export interface BalanceOptions extends PeakEwmaOptions {
  /** In [0, 1), for the two picks. */
  readonly random?: () => number;
}

export function balance(options: BalanceOptions = {}): Layer<NewEndpoint, NewBalancer> {
  return (newEndpoint) => (target) => new P2cBalancer(target, newEndpoint, options);
}

interface Member {
  readonly key: string;
  readonly endpoint: Endpoint;
  readonly service: EndpointService;
  readonly load: PeakEwma;
  pending: number;
}

const costOf = (member: Member) => member.load.cost(member.pending);

/**
 * A failed answer counts as a round trip twice as slow as the replica's estimate, and at least
 * Linkerd's RTT for an unmeasured replica (30 ms). A replica that fails fast would otherwise look
 * like the fastest and draw ever more traffic (the "black hole"); doubling makes failures in a
 * row compound whatever the machine's load (a fixed penalty drowned in loaded round trips), and
 * peak-EWMA lets it decay, so the replica is tried again as it recovers.
 */
function penalise(member: Member): void {
  member.load.observe(Math.max(DEFAULT_RTT_MS, 2 * member.load.estimateMs));
}

class P2cBalancer implements Balancer {
  readonly #service: string;
  readonly #newEndpoint: NewEndpoint;
  readonly #options: BalanceOptions;
  readonly #random: () => number;
  readonly #now: () => number;
  #members: Member[] = [];
  // Reused on every pick so that choosing allocates nothing.
  readonly #ready: Member[] = [];
  readonly #connecting: Member[] = [];
  #closed = false;

  constructor(target: BalanceTarget, newEndpoint: NewEndpoint, options: BalanceOptions) {
    this.#service = target.service;
    this.#newEndpoint = newEndpoint;
    this.#options = options;
    this.#random = options.random ?? Math.random;
    this.#now = options.now ?? performance.now.bind(performance);
    this.update(target.endpoints);
  }

  readonly handle: HttpHandler = (request) => {
    const tried = request.tried;
    const key = request.affinityKey;
    const member = key === undefined ? this.#pick(tried) : this.#pickFor(key, tried);
    if (!member) return Promise.reject(this.#failFast());
    tried?.push(member.key);
    // An RTT that includes the TLS handshake would say nothing about the replica's speed.
    const measured = member.service.status() === 'ready';
    const sentAt = this.#now();
    member.pending += 1;
    return member.service.handle(request).then(
      (response) => {
        member.pending -= 1;
        const outcome = classifyResponse(response.status, response.headers, undefined);
        if (outcome.classification === 'failure') penalise(member);
        else if (measured) member.load.observe(this.#now() - sentAt);
        return response;
      },
      (error: unknown) => {
        member.pending -= 1;
        penalise(member);
        throw error;
      },
    );
  };

  update(endpoints: readonly Endpoint[]): void {
    if (this.#closed) return;
    const previous = new Map(this.#members.map((m) => [m.key, m]));
    const next: Member[] = [];
    for (const endpoint of endpoints) {
      const key = `${endpoint.address} ${endpoint.identity ?? ''}`;
      if (next.some((m) => m.key === key)) continue;
      const kept = previous.get(key);
      previous.delete(key);
      next.push(
        kept ?? {
          key,
          endpoint,
          service: this.#newEndpoint({ service: this.#service, ...endpoint }),
          load: new PeakEwma(this.#options),
          pending: 0,
        },
      );
    }
    for (const gone of previous.values()) gone.service.close();
    this.#members = next;
  }

  snapshot(): EndpointSnapshot[] {
    return this.#members.map((m) => ({
      ...m.endpoint,
      status: m.service.status(),
      pending: m.pending,
      rttEstimateMs: m.load.estimateMs,
    }));
  }

  close(): void {
    this.#closed = true;
    for (const member of this.#members) member.service.close();
    this.#members = [];
  }

  /** P2C among ready endpoints (else those connecting), those in `avoid` only if nothing else. */
  #pick(avoid?: readonly string[]): Member | undefined {
    if (avoid !== undefined && avoid.length > 0) {
      const chosen = this.#pickAmong((m) => !avoid.includes(m.key));
      if (chosen) return chosen;
    }
    return this.#pickAmong(() => true);
  }

  /**
   * Session affinity by rendezvous hashing: the endpoint with the highest hash of (key,
   * endpoint) among those ready (else connecting), not in `avoid`. Adding an endpoint moves only
   * the keys it now wins (about 1/N), removing one only its own; an unready or ejected endpoint's
   * keys go to their next choice and come back when it does.
   */
  #pickFor(key: string, avoid?: readonly string[]): Member | undefined {
    let best: Member | undefined;
    let bestScore = -1;
    let bestReady = false;
    for (const member of this.#members) {
      if (avoid?.includes(member.key)) continue;
      const status = member.service.status();
      const ready = status === 'ready';
      if (!ready && status !== 'pending') continue;
      if (bestReady && !ready) continue;
      const score = rendezvousScore(key, member.key);
      if ((ready && !bestReady) || score > bestScore) {
        best = member;
        bestScore = score;
        bestReady = ready;
      }
    }
    return best ?? (avoid !== undefined && avoid.length > 0 ? this.#pickFor(key) : undefined);
  }

  #pickAmong(allowed: (member: Member) => boolean): Member | undefined {
    const ready = this.#ready;
    const connecting = this.#connecting;
    for (const member of this.#members) {
      if (!allowed(member)) continue;
      const status = member.service.status();
      if (status === 'ready') ready.push(member);
      else if (status === 'pending') connecting.push(member);
    }
    const chosen = pickP2c(ready.length > 0 ? ready : connecting, costOf, this.#random);
    ready.length = 0;
    connecting.length = 0;
    return chosen;
  }

  #failFast(): ProxyError {
    const n = this.#members.length;
    const why =
      n === 0
        ? 'discovery names no endpoints for it'
        : `all ${n} of its endpoints are failing to connect`;
    return new ProxyError('FAIL_FAST', `service ${this.#service} is unavailable: ${why}`);
  }
}

/** FNV-1a over the key, a separator and the endpoint, then a final mix: 32 bits, unsigned. */
export function rendezvousScore(key: string, endpoint: string): number {
  let hash = 0x811c9dc5;
  const mix = (text: string) => {
    for (let i = 0; i < text.length; i++) {
      hash ^= text.charCodeAt(i);
      hash = Math.imul(hash, 0x01000193);
    }
  };
  mix(key);
  hash ^= 0;
  hash = Math.imul(hash, 0x01000193);
  mix(endpoint);
  // FNV's low bits mix poorly for similar inputs: murmur3's finaliser spreads them.
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  hash ^= hash >>> 16;
  return hash >>> 0;
}
