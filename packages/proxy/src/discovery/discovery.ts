/**
 * What the outbound side needs to know about the mesh: for a logical service, the endpoints
 * that serve it and the identity each must prove. Kept this small on purpose: today a static
 * map or a watched file answers it, later the destination service does, and the balancer and
 * the logical layer must not notice the difference.
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
