/**
 * Load shedding (Linkerd's `LINKERD2_PROXY_{INBOUND,OUTBOUND}_MAX_IN_FLIGHT`): past a bound on
 * the requests in flight through a stack, a new request fails at once with LOAD_SHED (503
 * through the rescue layer) instead of joining a queue that would make every request behind
 * it wait. A request counts from when it enters until its response's headers are back (or it
 * fails); its body streaming afterwards is not counted, as in Linkerd. One counter and no
 * allocation per request.
 */
import { ProxyError } from '../errors/proxy-error.ts';
import type { HttpHandler } from '../http/message.ts';
import type { Layer } from './stack.ts';

/**
 * Generous: on a 2-core machine a pair carries ~1,000–2,000 rps, so this many in flight is
 * seconds of queue — only a proxy far past its capacity sheds. Linkerd's default is 100,000.
 */
export const DEFAULT_MAX_IN_FLIGHT = 10_000;

export function loadShedLayer(maxInFlight: number = DEFAULT_MAX_IN_FLIGHT): Layer<HttpHandler> {
  if (!Number.isFinite(maxInFlight)) return (inner) => inner;
  if (!(maxInFlight >= 1)) throw new RangeError(`max in flight must be ≥ 1, got ${maxInFlight}`);
  const refusal = `${maxInFlight} requests already in flight (the most allowed)`;
  return (inner) => {
    let inFlight = 0;
    const done = () => {
      inFlight -= 1;
    };
    return (request) => {
      if (inFlight >= maxInFlight) return Promise.reject(new ProxyError('LOAD_SHED', refusal));
      inFlight += 1;
      let response: ReturnType<HttpHandler>;
      try {
        response = inner(request);
      } catch (error) {
        done();
        throw error;
      }
      response.then(done, done);
      return response;
    };
  };
}
