/**
 * How Linkerd measures a request, shared by its request metrics (http-metrics.ts) and its route
 * metrics (route/route-metrics.ts): counted as it enters, its latency observed at the response
 * head, its response classified by the one classifier when the stream ends (gRPC's verdict is in
 * the trailers) — or at once, with the proxy's error code, when no response came.
 */
import type { CounterChild, HistogramChild } from '@fusion/telemetry';
import { classifyError, classifyResponse, type Outcome } from '../classify/classify.ts';
import { asProxyError } from '../errors/proxy-error.ts';
import type { HttpHandler, ProxyRequest, ProxyResponse } from '../http/message.ts';

/** The labels Linkerd adds to `*response_total`, after the request's own. */
export const RESPONSE_LABELS = ['status_code', 'classification', 'grpc_status', 'error'] as const;

/**
 * The series of one label set, found when the set is first seen (a route, a peer): a request
 * walks no label tree and builds no array, only a lookup by status in a map of a few entries.
 */
export class ResponseSeries {
  readonly #latency = new Map<number, HistogramChild>();
  readonly #responses = new Map<string, CounterChild>();

  /**
   * @param newLatency the latency child for a `status_code`
   * @param newResponse the response child for `RESPONSE_LABELS`' values, in that order
   */
  constructor(
    readonly requests: CounterChild,
    private readonly newLatency: (status: string) => HistogramChild,
    private readonly newResponse: (
      status: string,
      classification: string,
      grpcStatus: string,
      error: string,
    ) => CounterChild,
  ) {}

  latencyOf(status: number): HistogramChild {
    let child = this.#latency.get(status);
    if (!child) {
      child = this.newLatency(String(status));
      this.#latency.set(status, child);
    }
    return child;
  }

  record(outcome: Outcome): void {
    const status = outcome.status === undefined ? '' : String(outcome.status);
    const grpc = outcome.grpcStatus === undefined ? '' : String(outcome.grpcStatus);
    const error = outcome.error ?? '';
    const key = `${status} ${outcome.classification} ${grpc} ${error}`;
    let child = this.#responses.get(key);
    if (!child) {
      child = this.newResponse(status, outcome.classification, grpc, error);
      this.#responses.set(key, child);
    }
    child.inc();
  }
}

/**
 * `inner(request)`, counted in `series`; latency runs from `request.ctx.startedAt`. Written with
 * `then` rather than `async`: one promise per request fewer on the hot path.
 */
export function measure(
  series: ResponseSeries,
  inner: HttpHandler,
  request: ProxyRequest,
): Promise<ProxyResponse> {
  series.requests.inc();
  return inner(request).then(
    (response) => {
      const elapsedMs = Number(process.hrtime.bigint() - request.ctx.startedAt) / 1e6;
      series.latencyOf(response.status).observe(elapsedMs);
      // Classified when the stream ends: gRPC's verdict is in the trailers.
      void response.trailers.then(
        (trailers) => series.record(classifyResponse(response.status, response.headers, trailers)),
        () => series.record(classifyError('RESET')),
      );
      return response;
    },
    (error: unknown) => {
      series.record(classifyError(asProxyError(error).code));
      throw error;
    },
  );
}
