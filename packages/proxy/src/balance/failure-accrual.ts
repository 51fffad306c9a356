/**
 * Linkerd's consecutive failure accrual (`balancer.linkerd.io/failure-accrual: consecutive`), as
 * an endpoint layer. An endpoint that keeps failing is not slow, it is broken: the balancer's
 * load estimate alone would keep sending it a share of requests, so after `maxFailures` failures
 * in a row it is ejected (reports `'failed'`, which the balancer skips) for a penalty. When the
 * penalty ends one request at a time is let through as a probe: a success restores the endpoint,
 * a failure ejects it again for twice as long, up to `maxPenaltyMs`.
 *
 * The policy is looked up at each response, not when the endpoint is built, so a policy pushed
 * later applies from the next response; with none the layer only passes requests through.
 */
import type { FailureAccrual } from '@fusion/mesh-types';
import { type Classification, classifyError, classifyResponse } from '../classify/classify.ts';
import { asProxyError } from '../errors/proxy-error.ts';
import type { HttpHandler, ProxyResponse } from '../http/message.ts';
import type { Layer } from '../stack/stack.ts';
import type { EndpointService, EndpointStatus, EndpointTarget, NewEndpoint } from './balancer.ts';

export interface FailureAccrualOptions {
  /** The callee's policy, or undefined for none. Consulted once per response. */
  readonly policyFor: (service: string) => FailureAccrual | undefined;
  /** Milliseconds; performance.now by default. */
  readonly now?: () => number;
  /** In [0, 1), for the jitter. */
  readonly random?: () => number;
  /** `penaltyMs` is the wait before the next probe, jitter included. */
  readonly onEject?: (target: EndpointTarget, penaltyMs: number) => void;
  readonly onRestore?: (target: EndpointTarget) => void;
}

export function failureAccrual(options: FailureAccrualOptions): Layer<NewEndpoint> {
  return (newEndpoint) => (target) => new AccruingEndpoint(target, newEndpoint(target), options);
}

/**
 * The wait for a (base) penalty, as Linkerd's backoff computes it: `jitterRatio` is a ratio of
 * the penalty, not a percentage (0.5 adds up to half again; the 0–100 the configuration allows
 * is Linkerd's bound), and the jitter never takes the wait past `maxPenaltyMs`.
 */
export function jitteredPenaltyMs(
  penaltyMs: number,
  policy: FailureAccrual,
  random: () => number,
): number {
  const jitterMs = penaltyMs * policy.jitterRatio * random();
  return penaltyMs + Math.min(jitterMs, Math.max(0, policy.maxPenaltyMs - penaltyMs));
}

const isGrpc = (response: ProxyResponse) =>
  response.headers.get('content-type')?.startsWith('application/grpc') === true;

class AccruingEndpoint implements EndpointService {
  readonly #target: EndpointTarget;
  readonly #inner: EndpointService;
  readonly #options: FailureAccrualOptions;
  readonly #now: () => number;
  readonly #random: () => number;
  #consecutiveFailures = 0;
  #ejected = false;
  /** Until then no request is let through; afterwards, one probe at a time. */
  #ejectedUntil = 0;
  /** The penalty before jitter: doubled by each failed probe. */
  #penaltyMs = 0;
  #probeInFlight = false;

  constructor(target: EndpointTarget, inner: EndpointService, options: FailureAccrualOptions) {
    this.#target = target;
    this.#inner = inner;
    this.#options = options;
    this.#now = options.now ?? performance.now.bind(performance);
    this.#random = options.random ?? Math.random;
  }

  readonly handle: HttpHandler = (request) => {
    // The first request once the penalty is over is the probe; status() hides the endpoint
    // from the balancer until its verdict is in.
    const probe = this.#ejected && !this.#probeInFlight && this.#now() >= this.#ejectedUntil;
    if (probe) this.#probeInFlight = true;
    return this.#inner.handle(request).then(
      (response) => {
        this.#classify(response, probe);
        return response;
      },
      (error: unknown) => {
        const policy = this.#options.policyFor(this.#target.service);
        this.#record(policy, probe, classifyError(asProxyError(error).code).classification);
        throw error;
      },
    );
  };

  status(): EndpointStatus {
    if (this.#ejected && (this.#probeInFlight || this.#now() < this.#ejectedUntil)) return 'failed';
    return this.#inner.status();
  }

  close(): void {
    this.#inner.close();
  }

  #classify(response: ProxyResponse, probe: boolean): void {
    const policy = this.#options.policyFor(this.#target.service);
    if (!policy) {
      this.#record(undefined, probe, 'success');
      return;
    }
    const head = classifyResponse(response.status, response.headers, undefined);
    const verdictInTrailers =
      head.classification === 'success' && head.grpcStatus === undefined && isGrpc(response);
    if (!verdictInTrailers) {
      this.#record(policy, probe, head.classification);
      return;
    }
    // A gRPC call's verdict is in its trailers. Counting the head's success first would reset
    // the run that the trailers' failure then extends, so the exchange counts once, there.
    void response.trailers.then(
      (trailers) => {
        const outcome = classifyResponse(response.status, response.headers, trailers);
        this.#record(policy, probe, outcome.classification);
      },
      // The stream broke before its trailers: the call failed.
      () => this.#record(policy, probe, classifyError('RESET').classification),
    );
  }

  #record(policy: FailureAccrual | undefined, probe: boolean, outcome: Classification): void {
    // A probe sent before a restore (and a new ejection) must not decide the new probe.
    const isTheProbe = probe && this.#probeInFlight;
    if (isTheProbe) this.#probeInFlight = false;
    if (!policy) {
      this.#consecutiveFailures = 0;
      if (this.#ejected) this.#restore();
      return;
    }
    if (this.#ejected) {
      // Responses to requests sent before the ejection neither restore the endpoint nor
      // lengthen its penalty (Linkerd ignores them): only the probe decides.
      if (!isTheProbe) return;
      if (outcome === 'success') {
        this.#restore();
        return;
      }
      this.#penaltyMs = Math.min(
        Math.max(this.#penaltyMs * 2, policy.minPenaltyMs),
        policy.maxPenaltyMs,
      );
      this.#eject(policy);
      return;
    }
    if (outcome === 'success') {
      this.#consecutiveFailures = 0;
      return;
    }
    this.#consecutiveFailures += 1;
    if (this.#consecutiveFailures >= policy.maxFailures) {
      this.#penaltyMs = policy.minPenaltyMs;
      this.#eject(policy);
    }
  }

  #eject(policy: FailureAccrual): void {
    const waitMs = jitteredPenaltyMs(this.#penaltyMs, policy, this.#random);
    this.#ejected = true;
    this.#ejectedUntil = this.#now() + waitMs;
    this.#options.onEject?.(this.#target, waitMs);
  }

  #restore(): void {
    this.#ejected = false;
    this.#probeInFlight = false;
    this.#consecutiveFailures = 0;
    this.#options.onRestore?.(this.#target);
  }
}
