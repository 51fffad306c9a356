/**
 * Linkerd's authorization counters (`inbound_{http,tcp}_authz_{allow,deny}_total`), labelled with
 * what decided (`authz_name`), the caller's TLS and identity. One set per registry and protocol:
 * a registry refuses a name twice, and several listeners may share one.
 */
import type { Counter, Registry } from '@fusion/telemetry';

const LABELS = ['authz_name', 'tls', 'client_id'] as const;

export interface AuthzMetrics {
  readonly allow: Counter<typeof LABELS>;
  readonly deny: Counter<typeof LABELS>;
}

const perRegistry = new WeakMap<Registry, Partial<Record<'http' | 'tcp', AuthzMetrics>>>();

export function authzMetrics(registry: Registry, protocol: 'http' | 'tcp'): AuthzMetrics {
  let known = perRegistry.get(registry);
  if (known === undefined) {
    known = {};
    perRegistry.set(registry, known);
  }
  const what = protocol === 'http' ? 'Requests' : 'Opaque connections';
  known[protocol] ??= {
    allow: registry.counter({
      name: `inbound_${protocol}_authz_allow_total`,
      help: `${what} admitted by the inbound authorization, by what admitted them.`,
      labelNames: LABELS,
    }),
    deny: registry.counter({
      name: `inbound_${protocol}_authz_deny_total`,
      help: `${what} refused by the inbound authorization (403, PERMISSION_DENIED, or closed).`,
      labelNames: LABELS,
    }),
  };
  return known[protocol];
}
