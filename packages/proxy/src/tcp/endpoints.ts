/**
 * Which replica an opaque connection goes to. The HTTP balancer weighs requests by latency; a
 * TCP stream has no responses to time, so the load here is what Linkerd's opaque balancing
 * falls back to: connections open now. Power of two choices (the balancer's own pickP2c) over
 * the endpoints that have not failed lately; an endpoint that failed to connect is skipped for
 * an exponentially growing backoff, and tried again only when every other one is failing too —
 * a connection is the only probe there is, so a service with no healthy replica is still tried
 * rather than given up on.
 */
import { pickP2c } from '../balance/index.ts';
import type { Endpoint } from '../discovery/index.ts';
import type { Backoff } from '../outbound/index.ts';

interface State {
  open: number;
  failures: number;
  /** performance.now() before which the endpoint counts as failing. */
  retryAt: number;
}

export interface PickerOptions {
  readonly backoff: Backoff;
  readonly random?: () => number;
  readonly now?: () => number;
}

export class EndpointPicker {
  readonly #state = new Map<string, State>();
  readonly #backoff: Backoff;
  readonly #random: () => number;
  readonly #now: () => number;

  constructor(options: PickerOptions) {
    this.#backoff = options.backoff;
    this.#random = options.random ?? Math.random;
    this.#now = options.now ?? performance.now.bind(performance);
  }

  /** One of `endpoints` not in `tried`, healthy ones first; undefined when none is left. */
  pick(endpoints: readonly Endpoint[], tried: ReadonlySet<string>): Endpoint | undefined {
    const now = this.#now();
    const untried = endpoints.filter((e) => !tried.has(keyOf(e)));
    const healthy = untried.filter((e) => (this.#state.get(keyOf(e))?.retryAt ?? 0) <= now);
    if (healthy.length > 0) return pickP2c(healthy, (e) => this.#open(e), this.#random);
    // Every one is failing: the one whose backoff ends first.
    let soonest: Endpoint | undefined;
    for (const endpoint of untried) {
      if (!soonest || this.#retryAt(endpoint) < this.#retryAt(soonest)) soonest = endpoint;
    }
    return soonest;
  }

  /** A connection to `endpoint` is up: it is healthy again, and carries one more. */
  opened(endpoint: Endpoint): void {
    const state = this.#entry(endpoint);
    state.open += 1;
    state.failures = 0;
    state.retryAt = 0;
  }

  closed(endpoint: Endpoint): void {
    const state = this.#entry(endpoint);
    state.open -= 1;
    this.#forgetIfIdle(endpoint, state);
  }

  failed(endpoint: Endpoint): void {
    const state = this.#entry(endpoint);
    state.failures += 1;
    const { minMs, maxMs, jitter } = this.#backoff;
    const delayMs = Math.min(maxMs, minMs * 2 ** Math.min(state.failures - 1, 30));
    state.retryAt = this.#now() + delayMs * (1 + jitter * this.#random());
  }

  #open(endpoint: Endpoint): number {
    return this.#state.get(keyOf(endpoint))?.open ?? 0;
  }

  #retryAt(endpoint: Endpoint): number {
    return this.#state.get(keyOf(endpoint))?.retryAt ?? 0;
  }

  #entry(endpoint: Endpoint): State {
    const key = keyOf(endpoint);
    let state = this.#state.get(key);
    if (!state) {
      state = { open: 0, failures: 0, retryAt: 0 };
      this.#state.set(key, state);
    }
    return state;
  }

  /** Only endpoints with connections or a failure to remember are kept: replicas come and go. */
  #forgetIfIdle(endpoint: Endpoint, state: State): void {
    if (state.open === 0 && state.failures === 0) this.#state.delete(keyOf(endpoint));
  }
}

/** The same address under another identity is another endpoint: it must prove another name. */
export function keyOf(endpoint: Endpoint): string {
  return `${endpoint.address} ${endpoint.identity ?? ''}`;
}
