/**
 * A fault injection's `instances` must name replicas of the services its selector picks: a
 * misspelt or scaled-away replica would inject nothing, and the test relying on it would pass
 * for the wrong reason.
 */
import { type FaultInjectionBlock, replicaNames } from '@fusion/mesh-types';
import { matches } from '../compile/selectors.ts';
import { At, type Context, type Located, nodeAt } from '../schema/index.ts';
import type { ServiceDraft } from '../sections/services.ts';
import { closest } from '../suggest.ts';

export function checkFaultInstances(
  blocks: readonly Located<FaultInjectionBlock>[],
  services: readonly ServiceDraft[],
  ctx: Context,
): void {
  for (const block of blocks) {
    const { selector, policy } = block.value;
    if (policy.instances === undefined) continue;
    const selected = services.filter((s) => matches(selector, s.labels));
    // A selected service that failed its own checks has no replica count: say nothing of it.
    if (selected.some((s) => s.config === undefined)) continue;
    const known = selected.flatMap((s) => replicaNames(s.config!));
    policy.instances.forEach((name, i) => {
      if (known.includes(name)) return;
      const path = ['policy', 'instances', i];
      const guess = closest(name, known);
      const hint = guess === undefined ? '' : `; did you mean '${guess}'?`;
      const where = known.length === 0 ? 'none' : known.join(', ');
      new At(ctx, `${block.path}.policy.instances[${i}]`).error(
        nodeAt(block.node, path),
        `'${name}' is not a replica of the services this block selects (${where})${hint}`,
      );
    });
  }
}
