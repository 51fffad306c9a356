/**
 * Which written settings the sidecar would ignore today. Each field compiled into some
 * service's policy and missing from ENFORCED_POLICY_FIELDS becomes one entry at the key where
 * it was written, naming whom it applies to, so `fusion config validate` can warn at that line.
 */
import type { PolicyField, RateLimitBlock, RetriesConfig, RouteConfig } from '@fusion/mesh-types';
import { formatPath, type Path } from './path.ts';
import { type Assignment, describeTargets, type Target } from './plan.ts';

export interface NotEnforced {
  /** Where it was written: `trafficPolicies[0].policy.traffic[0].policy.retries.attempts`. */
  readonly path: string;
  readonly field: PolicyField;
  readonly reason: string;
}

interface FieldAt {
  readonly field: PolicyField;
  readonly path: Path;
}

function retryFields(retries: RetriesConfig, path: Path): FieldAt[] {
  return [
    { field: 'retries.attempts', path: [...path, 'attempts'] },
    ...(retries.perTryTimeoutMs === undefined
      ? []
      : [{ field: 'retries.perTryTimeout' as const, path: [...path, 'perTryTimeout'] }]),
    ...(retries.retryOn === undefined
      ? []
      : [{ field: 'retries.retryOn' as const, path: [...path, 'retryOn'] }]),
  ];
}

function routeFields(route: RouteConfig, path: Path): FieldAt[] {
  const found: FieldAt[] = [];
  const { match } = route;
  if (match.path) found.push({ field: 'routes.match.path', path: [...path, 'match', 'path'] });
  if (match.method)
    found.push({ field: 'routes.match.method', path: [...path, 'match', 'method'] });
  if (match.headers) {
    found.push({ field: 'routes.match.headers', path: [...path, 'match', 'headers'] });
  }
  if (match.queryParams) {
    found.push({ field: 'routes.match.queryParams', path: [...path, 'match', 'queryParams'] });
  }
  if (route.timeoutMs !== undefined) found.push({ field: 'timeout', path: [...path, 'timeout'] });
  if (route.retries) found.push(...retryFields(route.retries, [...path, 'retries']));
  if (route.split) found.push({ field: 'split', path: [...path, 'split'] });
  if (route.mirror) found.push({ field: 'mirror', path: [...path, 'mirror'] });
  return found;
}

/** The fields one assignment writes, each at its own key. */
function fieldsOf({ setting, written }: Assignment): FieldAt[] {
  const { path, value } = written;
  switch (setting) {
    case 'tls':
      return [{ field: 'tls.mode', path: [...path, 'mode'] }];
    case 'retries':
      return retryFields(value as RetriesConfig, path);
    case 'routes':
      return (value as RouteConfig[]).flatMap((r, i) => routeFields(r, [...path, i]));
    case 'authorization.allow': {
      const rule = value as { routes?: unknown };
      return [
        { field: 'authorization.clients', path: [...path, 'clients'] },
        ...(rule.routes === undefined
          ? []
          : [{ field: 'authorization.routes' as const, path: [...path, 'routes'] }]),
      ];
    }
    case 'rateLimit': {
      const limit = value as RateLimitBlock['policy'];
      const scopes = (['total', 'identity', 'overrides'] as const).filter((k) => limit[k]);
      return scopes.map((k) => ({ field: `rateLimit.${k}` as const, path: [...path, k] }));
    }
    default:
      // Every other setting is one field with the setting's own name.
      return [{ field: setting, path }];
  }
}

export function notEnforcedFields(
  assignments: readonly Assignment[],
  enforced: readonly PolicyField[],
): NotEnforced[] {
  const byPath = new Map<string, { field: PolicyField; targets: Target[] }>();
  for (const assignment of assignments) {
    for (const { field, path } of fieldsOf(assignment)) {
      if (enforced.includes(field)) continue;
      const key = formatPath(path);
      const entry = byPath.get(key);
      if (entry) entry.targets.push(assignment.target);
      else byPath.set(key, { field, targets: [assignment.target] });
    }
  }
  return [...byPath].map(([path, { field, targets }]) => ({
    path,
    field,
    reason: `${field} compiled for ${describeTargets(targets)}, not enforced yet by the sidecar`,
  }));
}
