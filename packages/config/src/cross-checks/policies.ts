/**
 * What can be said about the policy blocks once all services are known: names are unique
 * within their section, and selectors select something (a warning: a block that applies to
 * nobody is legal, but rarely meant).
 */
import type { LabelSelector } from '@fusion/mesh-types';
import type { Node } from 'yaml';
import { matches } from '../compile/selectors.ts';
import { At, type Context, type Located, nodeAt } from '../schema/index.ts';
import type { ServiceDraft } from '../sections/services.ts';
import { closest } from '../suggest.ts';

export type PolicySection =
  | 'trafficPolicies'
  | 'circuitBreakers'
  | 'authorizationPolicies'
  | 'rateLimits'
  | 'faultInjections';

interface PolicyBlock {
  readonly name: string;
  readonly selector: LabelSelector;
}

/** A further selector inside a block (a destination), by its path within the block. */
export interface InnerSelector {
  readonly selector: LabelSelector;
  readonly path: (string | number)[];
}

function checkSelector(
  selector: LabelSelector,
  node: Node | undefined,
  path: string,
  services: readonly ServiceDraft[],
  ctx: Context,
): void {
  if (services.some((s) => matches(selector, s.labels))) return;
  const wanted = Object.entries(selector.matchLabels)
    .map(([key, value]) => `${key}=${value}`)
    .join(', ');
  const app = selector.matchLabels.app;
  const names = services.map((s) => s.name);
  // Only a misspelt app deserves a guess; a real one fails on its other labels.
  const guess = app === undefined || names.includes(app) ? undefined : closest(app, names);
  const hint = guess === undefined ? '' : `; did you mean app '${guess}'?`;
  new At(ctx, path).warn(node, `selects no service (matchLabels ${wanted})${hint}`);
}

/** Checks one section's blocks; `inner` lists the further selectors inside a block. */
export function checkPolicyBlocks<T extends PolicyBlock>(
  blocks: readonly Located<T>[],
  inner: (block: T) => readonly InnerSelector[],
  services: readonly ServiceDraft[],
  ctx: Context,
): void {
  const names = new Map<string, string>();
  for (const block of blocks) {
    const { name } = block.value;
    const nameNode = nodeAt(block.node, ['name']);
    const first = names.get(name);
    if (first !== undefined) {
      new At(ctx, `${block.path}.name`).error(
        nameNode,
        `name '${name}' is already used by ${first}`,
      );
      continue;
    }
    names.set(name, `${block.path} (${ctx.where(nameNode)})`);
    const selectorNode = nodeAt(block.node, ['selector']);
    checkSelector(block.value.selector, selectorNode, `${block.path}.selector`, services, ctx);
    for (const { selector, path } of inner(block.value)) {
      const dotted = path.map((step) => (typeof step === 'number' ? `[${step}]` : `.${step}`));
      checkSelector(
        selector,
        nodeAt(block.node, path),
        `${block.path}${dotted.join('')}`,
        services,
        ctx,
      );
    }
  }
}
