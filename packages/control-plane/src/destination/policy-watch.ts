/**
 * The lines of a proxy's policy Watch. The feed is whatever holds the config in force (the
 * control plane's ConfigSource); this file only turns its changes into PolicyUpdates for one
 * service: the current policy at once, then a line only when that service's policy version
 * changes — a reload that touches other services, or nothing but comments, sends nothing.
 */
import type { PolicyUpdate, ServicePolicy } from '@fusion/mesh-types';
import type { Subscribe } from './watch-stream.ts';

export interface PolicyFeed {
  /** The policy in force for `service`; undefined when the config has no such service. */
  policy(service: string): ServicePolicy | undefined;
  /** Called after each change of the config in force; returns unsubscribe. */
  onChange(listener: () => void): () => void;
}

/** For a destination service started without a config (tests): every service is unknown. */
export const NO_POLICIES: PolicyFeed = {
  policy: () => undefined,
  onChange: () => () => {},
};

/** One update object per policy, so every watcher of a service shares its serialised line. */
const updates = new WeakMap<ServicePolicy, PolicyUpdate>();

export function policyUpdateOf(service: string, policy: ServicePolicy | undefined): PolicyUpdate {
  if (!policy) return { service, exists: false, policy: null };
  let update = updates.get(policy);
  if (!update) {
    update = { service, exists: true, policy };
    updates.set(policy, update);
  }
  return update;
}

export function watchPolicy(feed: PolicyFeed, service: string): Subscribe<PolicyUpdate> {
  return (push) => {
    let sent: string | undefined;
    const send = () => {
      const policy = feed.policy(service);
      const version = policy?.version ?? 'none';
      if (version === sent) return;
      sent = version;
      push(policyUpdateOf(service, policy));
    };
    send();
    return feed.onChange(send);
  };
}
