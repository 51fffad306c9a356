/**
 * The backend stage of a route (DESIGN.md §3): a route's requests go to its backends in
 * proportion to their weights, for canaries and blue/green (Gateway API `backendRefs`). A
 * backend that is the route's own service is that service's balancer; another service (the
 * canary, a second entry in fusion.yaml) is reached through the logical stage, as if the app had
 * called it, so it has its own endpoints, identities and balancer. Chosen per try: a retry may
 * land on another backend. A route with one backend, its own service, costs nothing.
 *
 * Weights change with the pushed policy: the route table is rebuilt and new requests take the
 * new weights, while requests already on their way finish where they were sent.
 */
import type { WeightedBackend } from '@fusion/mesh-types';
import type { HttpHandler } from '../http/message.ts';

/** Sends a request to another service's balancer (through the logical stage). */
export type OtherService = (service: string) => HttpHandler;

export function splitBackends(
  service: string,
  backends: readonly WeightedBackend[],
  own: HttpHandler,
  other: OtherService | undefined,
  random: () => number = Math.random,
): HttpHandler {
  const live = backends.filter((b) => b.weight > 0);
  if (live.length === 0 || other === undefined) return own;
  if (live.length === 1 && live[0]!.service === service) return own;
  const handlers = live.map((b) => (b.service === service ? own : other(b.service)));
  const total = live.reduce((sum, b) => sum + b.weight, 0);
  // Cumulative weights: one draw, one short scan (a split has a handful of backends).
  let running = 0;
  const bounds = live.map((b) => {
    running += b.weight;
    return running;
  });
  return (request) => {
    const draw = random() * total;
    let i = 0;
    while (i < bounds.length - 1 && draw >= bounds[i]!) i += 1;
    return handlers[i]!(request);
  };
}
