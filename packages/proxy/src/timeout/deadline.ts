/**
 * The deadline layer: a request gets until the smaller of the route's timeout and the budget it
 * carried in (budget.ts), for its response head. When that runs out the caller gets 504
 * REQUEST_TIMEOUT at once and the request is cancelled below (its Cancel fires: the HTTP/1.1
 * connection is reset, the HTTP/2 stream cancelled), so no hop keeps working for nobody. What is
 * left travels on in the request's fields, for the next hop.
 *
 * The timeout covers the wait for the response head, not the body that follows: a stream (SSE,
 * a download, gRPC server streaming) may run as long as its client reads it. A request that
 * carries no budget, on a route without a timeout, passes through after two field lookups.
 */
import { ProxyError } from '../errors/proxy-error.ts';
import { Cancel } from '../http/cancel.ts';
import type { HttpHandler, ProxyRequest, ProxyResponse } from '../http/message.ts';
import type { Layer } from '../stack/stack.ts';
import { budgetOf, writeBudget } from './budget.ts';

export interface DeadlineOptions {
  /** The route's own timeout; undefined: only a budget the request carries is enforced. */
  readonly timeoutMs?: number;
  /** Names what timed out, for the error: `route default to identity`. */
  readonly describe: string;
}

export function deadlineLayer(options: DeadlineOptions): Layer<HttpHandler> {
  const own = options.timeoutMs;
  return (inner) => (request) => {
    const carried = budgetOf(request.headers);
    if (carried === undefined && own === undefined) return inner(request);
    const ownWins = carried === undefined || (own !== undefined && own <= carried);
    const budget = ownWins ? (own as number) : carried;
    const what = ownWins
      ? `the ${own} ms timeout of ${options.describe}`
      : `the caller's deadline (${carried} ms were left when the request arrived)`;
    if (budget <= 0) {
      return Promise.reject(
        new ProxyError('REQUEST_TIMEOUT', `${what} had run out before the request was sent`),
      );
    }
    writeBudget(request.headers, budget);
    return withTimeout(inner, request, budget, () => {
      return new ProxyError('REQUEST_TIMEOUT', `no response within ${what}`);
    });
  };
}

/**
 * `inner(request)`, given up after `ms`: the result rejects with `timedOut()` and the request's
 * Cancel (linked to any it had) fires with it, so the sender below stops. Shared with the retry
 * layer's per-try timeout.
 */
export function withTimeout(
  inner: HttpHandler,
  request: ProxyRequest,
  ms: number,
  timedOut: () => ProxyError,
): Promise<ProxyResponse> {
  const outer = request.cancel;
  if (outer?.reason) return Promise.reject(outer.reason);
  const cancel = new Cancel();
  // The outer one (the whole request's deadline, around a try's) cancels this one too.
  const unlink = outer?.onCancel((reason) => cancel.cancel(reason));
  return new Promise((resolve, reject) => {
    let timedOutAlready = false;
    const settle = () => {
      clearTimeout(timer);
      unlink?.();
    };
    const timer = setTimeout(() => {
      timedOutAlready = true;
      settle();
      const error = timedOut();
      reject(error);
      cancel.cancel(error);
    }, ms);
    inner({ ...request, cancel }).then(
      (response) => {
        settle();
        // Too late: nobody will read it, and an unread body would hold its connection.
        if (timedOutAlready) response.body?.cancel(new Error('the request had timed out'));
        else resolve(response);
      },
      (error: unknown) => {
        settle();
        reject(error);
      },
    );
  });
}
