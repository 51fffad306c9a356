/**
 * Checks made by compiling a config that is otherwise valid: two places setting the same
 * thing for one caller -> callee pair are an error at the second, naming the first; and each
 * compiled field the sidecar does not enforce yet is a warning where it was written.
 */
import {
  type FusionConfig,
  type InboundDefaultPolicy,
  identityMatches,
  type ServicePolicy,
} from '@fusion/mesh-types';
import type { Node } from 'yaml';
import type { PolicyConflict, Target } from '../compile/index.ts';
import {
  compilePolicies,
  describeTargets,
  findPolicyConflicts,
  parsePath,
} from '../compile/index.ts';
import { identityOf } from '../compile/selectors.ts';
import { type Context, keyAt } from '../schema/index.ts';

/** One error per pair of places, however many pairs the two blocks share. */
function groupConflicts(conflicts: readonly PolicyConflict[]) {
  const groups = new Map<string, { conflict: PolicyConflict; targets: Target[] }>();
  for (const conflict of conflicts) {
    const key = `${conflict.path} ${conflict.firstPath}`;
    const group = groups.get(key);
    if (group) group.targets.push(conflict.target);
    else groups.set(key, { conflict, targets: [conflict.target] });
  }
  return [...groups.values()];
}

/** Returns false when there were conflicts: the config must then be refused. */
export function checkCompiledPolicies(
  config: FusionConfig,
  root: Node | null | undefined,
  ctx: Context,
): boolean {
  const conflicts = findPolicyConflicts(config);
  for (const { conflict, targets } of groupConflicts(conflicts)) {
    const first = ctx.where(keyAt(root, parsePath(conflict.firstPath)));
    const reason =
      `${conflict.setting} for ${describeTargets(targets)} is already set by ${conflict.firstBlock} (${first}); ` +
      'each setting of a pair may come from one place only';
    ctx.report(
      'error',
      keyAt(root, parsePath(conflict.path)),
      conflict.path,
      `${conflict.path}: ${reason}`,
    );
  }
  if (conflicts.length > 0) return false;
  const compiled = compilePolicies(config);
  for (const { path, reason } of compiled.notEnforced) {
    ctx.report('warning', keyAt(root, parsePath(path)), path, `${path}: ${reason}`);
  }
  checkDependencyAccess(config, compiled.policies, root, ctx);
  return true;
}

/** Default policies that admit any meshed caller (from the cluster's networks, on one machine). */
const ADMITS_MESHED: ReadonlySet<InboundDefaultPolicy> = new Set([
  'all-authenticated',
  'all-unauthenticated',
  'cluster-authenticated',
  'cluster-unauthenticated',
  'audit',
]);

/**
 * A service calls what it lists in `dependsOn`: when the callee's authorization admits no
 * request of the caller's, every such call would be refused (403) at run time. A warning at the
 * `dependsOn` entry says so while the file is being written.
 */
function checkDependencyAccess(
  config: FusionConfig,
  policies: Readonly<Record<string, ServicePolicy>>,
  root: Node | null | undefined,
  ctx: Context,
): void {
  const { namespace, trustDomain } = config.mesh;
  for (const caller of Object.values(config.services)) {
    const identity = identityOf(caller.name, namespace, trustDomain);
    caller.dependsOn.forEach((callee, i) => {
      const authorization = policies[callee]?.inbound.authorization;
      if (authorization === undefined || ADMITS_MESHED.has(authorization.defaultPolicy)) return;
      const admitted = authorization.rules.some((rule) =>
        rule.clients.identities.some((pattern) => identityMatches(pattern, identity)),
      );
      if (admitted) return;
      const path = `services.${caller.name}.dependsOn[${i}]`;
      ctx.report(
        'warning',
        keyAt(root, parsePath(path)),
        path,
        `${path}: ${caller.name} calls ${callee}, but no authorizationPolicies rule of ${callee} admits it (default ${authorization.defaultPolicy}): its calls will be refused with 403; add ${caller.name} to the clients of a block selecting ${callee}`,
      );
    });
  }
}
