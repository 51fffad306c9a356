/**
 * The seed's circuit breaker: Istio's (Envoy's) connection-pool limits, kept by the caller's
 * sidecar for each service it calls, across all its replicas and routes. Past a limit the
 * request is answered 503 CIRCUIT_OPEN at once instead of queueing behind a service that is
 * already saturated, which is what keeps one slow service from holding every caller's
 * resources.
 *
 * - `maxRequests`: requests in flight to the service (sent, and their response not yet ended).
 * - `maxConnections`: requests sent at once. HTTP/1.1 carries one request per connection at a
 *   time, so this bounds the connections the service's requests hold; a request past it waits
 *   for one to finish —
 * - `maxPendingRequests`: — and at most this many wait; past it, 503.
 * - `maxRetries`: retries in flight at once (asked by the retry layer; a retry refused is not
 *   sent, and the caller gets the answer it already has).
 *
 * A request is in flight until its response body ends (its trailers settle) or it fails.
 */
import type { CircuitBreakerPolicy } from '@fusion/mesh-types';
import { ProxyError } from '../errors/proxy-error.ts';
import type { HttpHandler, ProxyRequest, ProxyResponse } from '../http/message.ts';
import type { Layer } from '../stack/stack.ts';

export type BreakerLimit = 'maxRequests' | 'maxConnections' | 'maxPendingRequests' | 'maxRetries';

export interface BreakerOptions {
  readonly service: string;
  readonly policy: CircuitBreakerPolicy;
  /** A request (or a retry) refused by `limit`: for the metric. */
  readonly onOpen?: (limit: BreakerLimit) => void;
}

interface Waiter {
  readonly go: () => void;
}

export class CircuitBreaker {
  readonly #options: BreakerOptions;
  #inFlight = 0;
  #sending = 0;
  #retries = 0;
  readonly #waiting: Waiter[] = [];

  constructor(options: BreakerOptions) {
    this.#options = options;
  }

  /** Whether any limit on requests is set (maxRetries alone is the retry layer's business). */
  get limitsRequests(): boolean {
    const { maxRequests, maxConnections } = this.#options.policy;
    return maxRequests !== undefined || maxConnections !== undefined;
  }

  /** Figures for /config and tests. */
  get figures() {
    return {
      inFlight: this.#inFlight,
      sending: this.#sending,
      waiting: this.#waiting.length,
      retries: this.#retries,
    };
  }

  /** The layer that admits each try; the inner handler unchanged when no limit is set. */
  layer(): Layer<HttpHandler> {
    return (inner) => (this.limitsRequests ? (request) => this.#admit(inner, request) : inner);
  }

  /**
   * Asks to send one retry: a function to call once the retry is over, or undefined when
   * `maxRetries` retries are already in flight (counted as the breaker opening).
   */
  startRetry(): (() => void) | undefined {
    const max = this.#options.policy.maxRetries;
    if (max !== undefined && this.#retries >= max) {
      this.#options.onOpen?.('maxRetries');
      return undefined;
    }
    this.#retries += 1;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#retries -= 1;
    };
  }

  #admit(inner: HttpHandler, request: ProxyRequest): Promise<ProxyResponse> {
    const { maxRequests, maxConnections, maxPendingRequests } = this.#options.policy;
    if (maxRequests !== undefined && this.#inFlight >= maxRequests) {
      return this.#refuse('maxRequests', `${maxRequests} requests are already in flight`);
    }
    if (maxConnections === undefined || this.#sending < maxConnections) {
      return this.#send(inner, request);
    }
    if (maxPendingRequests !== undefined && this.#waiting.length >= maxPendingRequests) {
      return this.#refuse(
        maxPendingRequests === 0 ? 'maxConnections' : 'maxPendingRequests',
        `${maxConnections} requests are being sent and ${this.#waiting.length} wait`,
      );
    }
    // Counted in flight while it waits: maxRequests bounds the waiting too.
    this.#inFlight += 1;
    return new Promise<void>((go, giveUp) => {
      let unwatch: (() => void) | undefined;
      const waiter: Waiter = {
        go: () => {
          unwatch?.();
          go();
        },
      };
      this.#waiting.push(waiter);
      unwatch = request.cancel?.onCancel((reason) => {
        const at = this.#waiting.indexOf(waiter);
        if (at !== -1) this.#waiting.splice(at, 1);
        giveUp(reason);
      });
    }).then(
      () => {
        this.#inFlight -= 1;
        return this.#send(inner, request, true);
      },
      (reason: unknown) => {
        this.#inFlight -= 1;
        throw reason;
      },
    );
  }

  /** `handedOver`: the slot of a request that just finished, passed straight to this one. */
  #send(inner: HttpHandler, request: ProxyRequest, handedOver = false): Promise<ProxyResponse> {
    this.#inFlight += 1;
    if (!handedOver) this.#sending += 1;
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      this.#inFlight -= 1;
      // The first waiter takes the slot over: freed, it could go to a request arriving before
      // the waiter is sent, past maxConnections.
      const next = this.#waiting.shift();
      if (next) next.go();
      else this.#sending -= 1;
    };
    return inner(request).then(
      (response) => {
        // Over once its body has ended or failed (trailers settle either way).
        response.trailers.then(release, release);
        return response;
      },
      (error: unknown) => {
        release();
        throw error;
      },
    );
  }

  #refuse(limit: BreakerLimit, why: string): Promise<never> {
    this.#options.onOpen?.(limit);
    const { service } = this.#options;
    return Promise.reject(
      new ProxyError('CIRCUIT_OPEN', `circuit breaker ${limit} towards ${service}: ${why}`),
    );
  }
}
