/**
 * The retry layer, per route: a request whose try fails in a way the policy names is sent again,
 * up to `limit` more times, each try after a jittered exponential backoff (Linkerd's: 25 ms
 * doubling to 250 ms, jitter 1.0) and within `perTryTimeoutMs`, while the service's retry budget
 * and circuit breaker allow. The caller gets the last try's response, with `fusion-tries`
 * saying how many it took when it was more than one.
 *
 * What is retried (RFC 9110 §9.2.2):
 * - a try that never reached the service (connect refused or timed out, TLS failed, no endpoint
 *   ready): any request, since nothing was done;
 * - a `retryOn` status, a reset connection or a per-try timeout: idempotent requests, and the
 *   others only with `nonIdempotent: true`, since the service may have done the work;
 * - a `retryOn` gRPC status, whatever the method (every gRPC call is a POST; naming the code is
 *   the opt-in), when a short answer shows it (grpc-status.ts);
 * - a body only while it can be replayed (replay.ts: at most 64 KiB); an upgrade never.
 */
import type { RetryPolicy } from '@fusion/mesh-types';
import type { CircuitBreaker } from '../breaker/index.ts';
import { classifyResponse } from '../classify/classify.ts';
import { asProxyError, ProxyError, type ProxyErrorCode } from '../errors/proxy-error.ts';
import type { Body } from '../http/body.ts';
import {
  type HttpHandler,
  isGrpc,
  type ProxyRequest,
  type ProxyResponse,
} from '../http/message.ts';
import type { Layer } from '../stack/stack.ts';
import { budgetOf, withTimeout, writeBudget } from '../timeout/index.ts';
import type { RetryBudget } from './budget.ts';
import { peekGrpcStatus } from './grpc-status.ts';
import { ReplayableBody } from './replay.ts';

export const TRIES_HEADER = 'fusion-tries';

const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE', 'PUT', 'DELETE']);
/** The request never reached the service: safe to send again whatever its method. */
const NOT_SENT: ReadonlySet<ProxyErrorCode> = new Set([
  'CONNECT_REFUSED',
  'CONNECT_TIMEOUT',
  'TLS_HANDSHAKE',
  'PEER_IDENTITY_MISMATCH',
  'FAIL_FAST',
]);
/** Failures after the request may have reached the service. */
const MAYBE_SENT: ReadonlySet<ProxyErrorCode> = new Set(['RESET', 'RESPONSE_TIMEOUT']);

/** Linkerd's retry backoff (policy-controller `convert_retry`). */
export const RETRY_BACKOFF = { minMs: 25, maxMs: 250, jitterRatio: 1 } as const;

/** What a retry decision is told: for Linkerd's route retry metrics. */
export interface RetryEvents {
  /** A retry is being sent. */
  retried(): void;
  /** The response came from a retry and succeeded. */
  succeeded(): void;
  /** It would have been retried, but `limit` tries were used. */
  limitExceeded(): void;
  /** It would have been retried, but the budget or the breaker's maxRetries said no. */
  overflowed(): void;
}

export interface RetryOptions {
  readonly policy: RetryPolicy;
  readonly budget: RetryBudget;
  readonly breaker?: CircuitBreaker;
  readonly events?: Partial<RetryEvents>;
  /** Names the route in per-try timeout errors. */
  readonly describe: string;
  readonly random?: () => number;
}

type Outcome = { response: ProxyResponse; grpcStatus?: number } | { error: ProxyError };

export function retryLayer(options: RetryOptions): Layer<HttpHandler> {
  const { policy } = options;
  if (policy.limit === 0 && policy.perTryTimeoutMs === undefined) return (inner) => inner;
  return (inner) => (request) => new Retry(inner, request, options).run();
}

class Retry {
  readonly #inner: HttpHandler;
  readonly #request: ProxyRequest;
  readonly #options: RetryOptions;
  readonly #body: ReplayableBody | undefined;
  /** When the whole request must be over, on performance.now()'s clock, if it has a budget. */
  readonly #deadline: number | undefined;
  /** The endpoints the tries went to, which the balancer avoids for the next. */
  readonly #tried: string[] = [];
  #tries = 0;

  constructor(inner: HttpHandler, request: ProxyRequest, options: RetryOptions) {
    this.#inner = inner;
    this.#request = request;
    this.#options = options;
    this.#body = request.body ? new ReplayableBody(request.body) : undefined;
    const budget = budgetOf(request.headers);
    this.#deadline = budget === undefined ? undefined : performance.now() + budget;
  }

  /** The first try without async machinery: most requests need no other. */
  run(): Promise<ProxyResponse> {
    this.#options.budget.deposit();
    return this.#try(this.#body?.next()).then((outcome) =>
      this.#shouldRetry(outcome) ? this.#retry(outcome) : settled(outcome),
    );
  }

  async #retry(first: Outcome): Promise<ProxyResponse> {
    const { budget, breaker, events } = this.#options;
    let outcome = first;
    while (this.#shouldRetry(outcome)) {
      if (this.#tries > this.#options.policy.limit) {
        events?.limitExceeded?.();
        break;
      }
      if (this.#body && !this.#body.replayable) break; // grew past what can be replayed
      // The breaker first: a retry it refuses must not spend the budget.
      const release = breaker?.startRetry();
      if (breaker && !release) {
        events?.overflowed?.();
        break;
      }
      if (!budget.withdraw()) {
        release?.();
        events?.overflowed?.();
        break;
      }
      try {
        discard(outcome);
        await this.#backoff();
        events?.retried?.();
        outcome = await this.#try(this.#body?.next());
      } finally {
        release?.();
      }
    }
    if (this.#tries > 1 && 'response' in outcome) {
      const { status, headers } = outcome.response;
      if (classifyResponse(status, headers, undefined).classification === 'success') {
        events?.succeeded?.();
      }
      headers.set(TRIES_HEADER, String(this.#tries));
    }
    return settled(outcome);
  }

  #try(body: Body | undefined): Promise<Outcome> {
    this.#tries += 1;
    const request = this.#request;
    // Each try its own fields: a lower layer may edit them (the budget written below).
    const headers = this.#tries === 1 ? request.headers : request.headers.clone();
    const attempt: ProxyRequest = { ...request, headers, body: body ?? null, tried: this.#tried };
    const perTry = this.#options.policy.perTryTimeoutMs;
    const left = this.#deadline === undefined ? undefined : this.#deadline - performance.now();
    let sent: Promise<ProxyResponse>;
    if (perTry === undefined || (left !== undefined && left <= perTry)) {
      // The deadline layer wrote the budget for the first try; a later one has less left.
      if (left !== undefined && this.#tries > 1) writeBudget(headers, left);
      sent = this.#inner(attempt);
    } else {
      writeBudget(headers, perTry);
      const tries = this.#tries;
      sent = withTimeout(this.#inner, attempt, perTry, () => {
        const what = `try ${tries} of ${this.#options.describe}`;
        return new ProxyError('RESPONSE_TIMEOUT', `no response within ${perTry} ms (${what})`);
      });
    }
    return sent.then(this.#asResponse, asError);
  }

  /** A gRPC answer is looked into only when some gRPC status is to be retried. */
  #asResponse = (response: ProxyResponse): Outcome | Promise<Outcome> => {
    if (this.#options.policy.retryOnGrpc.length === 0 || !isGrpc(response.headers)) {
      return { response };
    }
    return peekGrpcStatus(response).then((grpcStatus) =>
      grpcStatus === undefined ? { response } : { response, grpcStatus },
    );
  };

  #shouldRetry(outcome: Outcome): boolean {
    const request = this.#request;
    if (request.cancel?.cancelled || request.upgrade !== undefined) return false;
    const mayRepeat = IDEMPOTENT.has(request.method) || this.#options.policy.nonIdempotent;
    if ('error' in outcome) {
      const code = outcome.error.code;
      return NOT_SENT.has(code) || (MAYBE_SENT.has(code) && mayRepeat);
    }
    const { policy } = this.#options;
    if (outcome.grpcStatus !== undefined && policy.retryOnGrpc.includes(outcome.grpcStatus)) {
      return true;
    }
    const status = outcome.response.status;
    return mayRepeat && policy.retryOn.some((r) => status >= r.min && status <= r.max);
  }

  /** Waits before the next try; rejects when the request is given up first (its deadline). */
  #backoff(): Promise<void> {
    const { minMs, maxMs, jitterRatio } = RETRY_BACKOFF;
    const base = Math.min(maxMs, minMs * 2 ** (this.#tries - 1));
    const waitMs = base * (1 + jitterRatio * (this.#options.random ?? Math.random)());
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        unwatch?.();
        resolve();
      }, waitMs);
      const unwatch = this.#request.cancel?.onCancel((reason) => {
        clearTimeout(timer);
        reject(reason);
      });
    });
  }
}

const asError = (error: unknown): Outcome => ({ error: asProxyError(error) });

function settled(outcome: Outcome): ProxyResponse {
  if ('error' in outcome) throw outcome.error;
  return outcome.response;
}

/** A failed try's response is dropped: an unread body is cancelled, so its connection is freed. */
function discard(outcome: Outcome): void {
  if ('error' in outcome) return;
  const body = outcome.response.body;
  if (body && !body.complete) body.cancel(new Error('a retry replaced this response'));
}
