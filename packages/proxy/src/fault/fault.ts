/**
 * Fault injection on the inbound side, as fusion.yaml's `faultInjections` asks: a share of the
 * requests a service receives is held for a fixed delay, and a share is answered with a status
 * instead of reaching the app (Linkerd's HTTPRoute failure injector, and Istio's delay). It is
 * how the platform's reliability tests break a service on purpose.
 *
 * The policy is read at each request (it is pushed live), so a fault turned on or off applies to
 * the next request; without one the layer costs a property read. Each share is drawn on its
 * own, delay first, so a request may be delayed and then aborted. The control plane's readiness
 * probes are exempt: failing them would take the service out of discovery, so callers would
 * see no endpoint at all rather than the faults they are meant to cope with.
 */

import { setTimeout as sleep } from 'node:timers/promises';
import type { FaultInjectionPolicy, FaultShare } from '@fusion/mesh-types';
import { clientMatches } from '../authz/decide.ts';
import { PROXY_ERROR_HEADER } from '../errors/rescue.ts';
import { HeaderList } from '../http/headers.ts';
import { emptyResponse, type HttpHandler, type ProxyRequest } from '../http/message.ts';
import { matchesRoute } from '../route/match.ts';
import type { Layer } from '../stack/stack.ts';

export type FaultKind = 'abort' | 'delay';

export interface FaultOptions {
  /** The fault policy in force now, or undefined for none. */
  readonly policy: () => FaultInjectionPolicy | undefined;
  /** This replica's name, for shares that only some replicas inject (`instances`). */
  readonly instance?: string;
  /** In [0, 1); Math.random by default. */
  readonly random?: () => number;
  /** Waits; a timer by default. */
  readonly wait?: (ms: number) => Promise<unknown>;
  /** For the metric. */
  readonly onInjected?: (kind: FaultKind) => void;
  /** Requests never faulted whatever the policy says (the control plane's readiness probes). */
  readonly exempt?: (request: ProxyRequest) => boolean;
}

export function faultLayer(options: FaultOptions): Layer<HttpHandler> {
  const random = options.random ?? Math.random;
  const wait = options.wait ?? sleep;
  // A share narrowed to some replicas, routes or callers is drawn only for those requests.
  const applies = (share: FaultShare, request: ProxyRequest) =>
    (share.instances === undefined || share.instances.includes(options.instance ?? '')) &&
    (share.routes === undefined || share.routes.some((route) => matchesRoute(route, request))) &&
    (share.clients === undefined || clientMatches(share.clients, request.ctx.clientId));
  const drawn = (share: FaultShare, request: ProxyRequest) =>
    applies(share, request) && random() * 100 < share.percentage;
  return (inner) => (request) => {
    const policy = options.policy();
    if (policy === undefined || options.exempt?.(request) === true) return inner(request);
    const { delay, abort } = policy;
    const delayed = delay !== undefined && drawn(delay, request);
    const aborted = abort !== undefined && drawn(abort, request);
    if (!delayed && !aborted) return inner(request);
    if (delayed) options.onInjected?.('delay');
    const held = delayed ? wait(delay.delayMs) : Promise.resolve();
    return held.then(() => {
      if (!aborted) return inner(request);
      options.onInjected?.('abort');
      // The request's body is not read: it goes with the connection, as for any early answer.
      return emptyResponse(
        abort.status,
        new HeaderList([
          PROXY_ERROR_HEADER,
          `FAULT_INJECTED: faultInjections abort (${abort.percentage} % with ${abort.status})`,
          'content-length',
          '0',
        ]),
      );
    });
  };
}
