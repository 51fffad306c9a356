/**
 * An outbound policy source the test sets by hand, as the destination service would push it:
 * `push(service, policy)` replaces the caller's policy towards that service and tells every
 * route stage watching, which rebuilds its table for the next request.
 */
import type { OutboundPolicy } from '@fusion/mesh-types';
import type { OutboundPolicies } from '../../route/index.ts';

export function policySource() {
  const towards = new Map<string, OutboundPolicy>();
  const listeners = new Set<() => void>();
  const policies: OutboundPolicies = {
    towards: (service) => towards.get(service),
    watch: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
  const push = (service: string, policy: OutboundPolicy | undefined) => {
    if (policy) towards.set(service, policy);
    else towards.delete(service);
    for (const listener of listeners) listener();
  };
  return { policies, push };
}
