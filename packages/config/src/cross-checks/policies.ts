/**
 * What can be said about the policy blocks once all services are known: names are unique,
 * selectors select something, and (until the proxy applies them) each accepted block gets a
 * warning, so nobody believes a retry or circuit breaker is protecting them when it is not.
 */
import type { LabelSelector } from '@fusion/mesh-types';
import type { Node } from 'yaml';
import { At, type Context, type Located, nodeAt } from '../schema/index.ts';
import type { ServiceDraft } from '../sections/services.ts';
import { closest } from '../suggest.ts';

interface PolicyBlock {
  readonly name: string;
  readonly selector: LabelSelector;
}

function matches(selector: LabelSelector, labels: Readonly<Record<string, string>>): boolean {
  return Object.entries(selector.matchLabels).every(([key, value]) => labels[key] === value);
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

/** Checks one section's blocks; `destinations` lists the further selectors inside a block. */
export function checkPolicyBlocks<T extends PolicyBlock>(
  section: 'trafficPolicies' | 'circuitBreakers',
  blocks: readonly Located<T>[],
  destinations: (block: T) => readonly { selector: LabelSelector; path: (string | number)[] }[],
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
    for (const { selector, path } of destinations(block.value)) {
      const dotted = path.map((step) => (typeof step === 'number' ? `[${step}]` : `.${step}`));
      checkSelector(
        selector,
        nodeAt(block.node, path),
        `${block.path}${dotted.join('')}`,
        services,
        ctx,
      );
    }
    const reason = `${section} '${name}' parsed, not enforced yet (the sidecar proxy does not apply it yet)`;
    ctx.report('warning', block.node, block.path, reason);
  }
}
