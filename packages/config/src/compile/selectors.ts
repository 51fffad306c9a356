/** Label selectors over services, Kubernetes' way: every label must match, `{}` matches all. */
import type { LabelSelector, ServiceConfig } from '@fusion/mesh-types';

export function matches(
  selector: LabelSelector,
  labels: Readonly<Record<string, string>>,
): boolean {
  return Object.entries(selector.matchLabels).every(([key, value]) => labels[key] === value);
}

/** Names of the services a selector picks, in file order. */
export function selectServices(
  selector: LabelSelector,
  services: readonly ServiceConfig[],
): string[] {
  return services.filter((s) => matches(selector, s.labels)).map((s) => s.name);
}

/** `<service>.<namespace>.serviceaccount.identity.<trust-domain>`, as packages/pki names it. */
export function identityOf(service: string, namespace: string, trustDomain: string): string {
  return `${service}.${namespace}.serviceaccount.identity.${trustDomain}`;
}
