import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { PolicyUpdate, ServicePolicy } from '@fusion/mesh-types';
import { type PolicyFeed, policyUpdateOf, watchPolicy } from './policy-watch.ts';

/** A feed whose policies the test sets, telling listeners as a config reload would. */
function feed(initial: Record<string, string>) {
  let versions = { ...initial };
  const objects = new Map<string, ServicePolicy>();
  const listeners = new Set<() => void>();
  const policyOf = (service: string) => {
    const version = versions[service];
    if (version === undefined) return undefined;
    const key = `${service}@${version}`;
    if (!objects.has(key)) objects.set(key, { service, version } as ServicePolicy);
    return objects.get(key);
  };
  const source: PolicyFeed = {
    policy: policyOf,
    onChange: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
  return {
    source,
    listeners,
    reload(next: Record<string, string>) {
      versions = { ...next };
      for (const listener of listeners) listener();
    },
  };
}

describe('watchPolicy', () => {
  it('sends the current policy at once, then one line per new version of this service only', () => {
    const config = feed({ orders: 'v1', billing: 'b1' });
    const seen: PolicyUpdate[] = [];
    const unwatch = watchPolicy(config.source, 'orders')((u) => seen.push(u));
    assert.deepEqual(
      seen.map((u) => u.policy?.version),
      ['v1'],
    );
    config.reload({ orders: 'v1', billing: 'b2' }); // another service's change
    config.reload({ orders: 'v1', billing: 'b2' }); // a comment-only reload
    config.reload({ orders: 'v2', billing: 'b2' });
    config.reload({ orders: 'v3', billing: 'b2' });
    assert.deepEqual(
      seen.map((u) => u.policy?.version),
      ['v1', 'v2', 'v3'],
    );
    unwatch();
    assert.equal(config.listeners.size, 0);
    config.reload({ orders: 'v4' });
    assert.equal(seen.length, 3);
  });

  it('says exists: false for a service the config does not have, and when it appears', () => {
    const config = feed({});
    const seen: PolicyUpdate[] = [];
    watchPolicy(config.source, 'search')((u) => seen.push(u));
    config.reload({ search: 's1' });
    config.reload({});
    assert.deepEqual(
      seen.map((u) => [u.exists, u.policy?.version ?? null]),
      [
        [false, null],
        [true, 's1'],
        [false, null],
      ],
    );
  });

  it('every watcher of a policy gets the same update object, so it is serialised once', () => {
    const policy = { service: 'orders', version: 'v1' } as ServicePolicy;
    assert.equal(policyUpdateOf('orders', policy), policyUpdateOf('orders', policy));
  });
});
