/**
 * What the outbound side needs to know about the mesh: for a logical service, the endpoints
 * that serve it and the identity each must prove. Kept this small on purpose: a static map, a
 * watched file or the destination service answers it, and the balancer and the logical layer
 * must not notice the difference — except that the destination service learns about a service
 * only once asked, so its first answer may need waiting for (`whenResolved`).
 */

/** One replica of a service. */
export interface Endpoint {
  /** `host:port` to dial (`[::1]:8001` for IPv6). */
  readonly address: string;
  /**
   * The identity the peer's certificate must name (its DNS SAN). Undefined for an endpoint
   * outside the mesh, which this proxy will not send traffic to in cleartext.
   */
  readonly identity: string | undefined;
}

export type DiscoveryListener = (service: string) => void;

export interface Discovery {
  /** The endpoints of `service` now; undefined when the service is not known at all. */
  resolve(service: string): readonly Endpoint[] | undefined;
  /** Every service known now. */
  services(): string[];
  /**
   * For discovery that learns about a service only when asked: undefined when resolve()
   * already has its answer for `service`, else a promise that resolves once it has one, or
   * rejects saying why it gave up waiting. Discovery that knows everything up front omits it.
   */
  whenResolved?(service: string): Promise<void> | undefined;
  /** Called with a service's name after its endpoints changed (or it appeared or vanished). */
  on?(event: 'change', listener: DiscoveryListener): unknown;
  off?(event: 'change', listener: DiscoveryListener): unknown;
}

/** A fixed map of services to endpoints, for tests and for meshes that never change. */
export function staticDiscovery(
  map: Readonly<Record<string, readonly Endpoint[]>> | ReadonlyMap<string, readonly Endpoint[]>,
): Discovery {
  // A Map, so that `resolve('constructor')` cannot find Object.prototype's.
  const services = new Map(map instanceof Map ? map : Object.entries(map));
  return {
    resolve: (service) => services.get(service),
    services: () => [...services.keys()],
  };
}
