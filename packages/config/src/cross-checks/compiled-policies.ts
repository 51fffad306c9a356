/**
 * Checks made by compiling a config that is otherwise valid: two places setting the same
 * thing for one caller -> callee pair are an error at the second, naming the first; and each
 * compiled field the sidecar does not enforce yet is a warning where it was written.
 */
import type { FusionConfig } from '@fusion/mesh-types';
import type { Node } from 'yaml';
import type { PolicyConflict, Target } from '../compile/index.ts';
import {
  compilePolicies,
  describeTargets,
  findPolicyConflicts,
  parsePath,
} from '../compile/index.ts';
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
  for (const { path, reason } of compilePolicies(config).notEnforced) {
    ctx.report('warning', keyAt(root, parsePath(path)), path, `${path}: ${reason}`);
  }
  return true;
}
