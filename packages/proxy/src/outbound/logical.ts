/**
 * The logical stage: from the request's authority to the service it names, and to that
 * service's balancer — built the first time the service is called, then cached and kept in step
 * with discovery (endpoints added and removed in place; the balancer closed if the service
 * disappears). Per request this is one map lookup. A service that discovery has only just been
 * asked about (the destination service's first watch) makes its first requests wait for the
 * answer, within discovery's own bound, rather than fail them.
 */
import type { Balancer, NewBalancer } from '../balance/index.ts';
import { type Discovery, serviceOfAuthority } from '../discovery/index.ts';
import { ProxyError } from '../errors/proxy-error.ts';
import type { HttpHandler } from '../http/message.ts';
import type { Layer } from '../stack/stack.ts';

/** Enough for every spelling of every service an app calls; past it, authorities are parsed. */
const MAX_REMEMBERED_AUTHORITIES = 1_000;

/** `signal` aborting closes every balancer (and so every connection) and stops following. */
export function logical(
  discovery: Discovery,
  signal: AbortSignal,
): Layer<NewBalancer, HttpHandler> {
  return (newBalancer) => {
    const byService = new Map<string, Balancer>();
    const byAuthority = new Map<string, Balancer>();

    const forget = (service: string, balancer: Balancer) => {
      byService.delete(service);
      for (const [authority, cached] of byAuthority) {
        if (cached === balancer) byAuthority.delete(authority);
      }
      balancer.close();
    };
    const onChange = (service: string) => {
      const balancer = byService.get(service);
      if (!balancer) return; // never called: built from fresh discovery when it is
      const endpoints = discovery.resolve(service);
      if (endpoints) balancer.update(endpoints);
      else forget(service, balancer);
    };
    discovery.on?.('change', onChange);
    signal.addEventListener(
      'abort',
      () => {
        discovery.off?.('change', onChange);
        for (const [service, balancer] of byService) forget(service, balancer);
      },
      { once: true },
    );

    const remember = (authority: string, balancer: Balancer): Balancer => {
      if (byAuthority.size < MAX_REMEMBERED_AUTHORITIES) byAuthority.set(authority, balancer);
      return balancer;
    };
    const known = (authority: string, service: string): Balancer => {
      if (signal.aborted) throw new ProxyError('FAIL_FAST', 'the proxy is shutting down');
      let balancer = byService.get(service);
      if (!balancer) {
        const endpoints = discovery.resolve(service);
        if (!endpoints) {
          throw new ProxyError(
            'UNKNOWN_SERVICE',
            `no service named ${JSON.stringify(service)} (from authority ${JSON.stringify(authority)}) is in the mesh`,
          );
        }
        balancer = newBalancer({ service, endpoints });
        byService.set(service, balancer);
      }
      return remember(authority, balancer);
    };
    const lookup = (authority: string): Balancer | Promise<Balancer> => {
      if (signal.aborted) throw new ProxyError('FAIL_FAST', 'the proxy is shutting down');
      const service = serviceOfAuthority(authority);
      const pending = byService.has(service) ? undefined : discovery.whenResolved?.(service);
      if (!pending) return known(authority, service);
      return pending.then(
        () => known(authority, service),
        (error: Error) => {
          throw new ProxyError('FAIL_FAST', `service ${service} is unavailable: ${error.message}`, {
            cause: error,
          });
        },
      );
    };

    return async (request) => {
      const balancer = byAuthority.get(request.authority) ?? lookup(request.authority);
      return (balancer instanceof Promise ? await balancer : balancer).handle(request);
    };
  };
}
