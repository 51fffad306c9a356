/**
 * Walking YAML mappings: their entries with readable keys, and finding a node by path for
 * messages that point somewhere other than the node being checked.
 */
import { isMap, isScalar, isSeq, type Node, type Pair, type YAMLMap } from 'yaml';
import type { At } from './context.ts';
import { mismatch } from './schema.ts';

export interface Entry {
  readonly key: string;
  readonly keyNode: Node;
  readonly value: Node | null | undefined;
}

/** A plain key's text; numbers and booleans as written (`8001:` is the key "8001"). */
function keyText(key: unknown): string | undefined {
  if (!isScalar(key)) return undefined;
  const value = key.value;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}

/**
 * The mapping a node should be, or undefined after reporting that it is not. An empty
 * value (`mesh:` with nothing under it) counts as an empty mapping: every default applies.
 */
export function asMapping(node: Node | undefined, at: At): YAMLMap | null | undefined {
  if (node === undefined) return null;
  if (isMap(node)) return node;
  if (isScalar(node) && node.value === null) return null;
  return mismatch(node, at, 'a mapping');
}

/**
 * The entries of a mapping in file order. A repeated key keeps its first value: yaml has
 * already reported the repeat, and validating both copies would report everything twice.
 */
export function entries(map: YAMLMap | null, at: At): Entry[] {
  if (map === null) return [];
  const seen = new Map<string, Node>();
  const found: Entry[] = [];
  for (const pair of map.items as Pair<unknown, unknown>[]) {
    const key = keyText(pair.key);
    const keyNode = pair.key as Node;
    if (key === undefined) {
      at.error(keyNode, 'expected a plain key (a name), got a complex key');
      continue;
    }
    const first = seen.get(key);
    if (first !== undefined) {
      // `1:` and `"1":` differ to yaml but are the same name here, so yaml said nothing.
      if (isScalar(first) && isScalar(keyNode) && first.value !== keyNode.value) {
        at.key(key).error(keyNode, `duplicate key '${key}' (first at ${at.ctx.where(first)})`);
      }
      continue;
    }
    seen.set(key, keyNode);
    found.push({ key, keyNode, value: pair.value as Node | null | undefined });
  }
  return found;
}

/** The node at `path` under `node` (keys and list indexes), ignoring anything unexpected. */
export function nodeAt(
  node: Node | null | undefined,
  path: readonly (string | number)[],
): Node | undefined {
  let current: unknown = node;
  for (const step of path) {
    if (typeof step === 'number' && isSeq(current)) {
      current = current.items[step];
    } else if (typeof step === 'string' && isMap(current)) {
      const pair = current.items.find((p) => keyText(p.key) === step);
      current = pair?.value;
    } else {
      return undefined;
    }
  }
  return (current ?? undefined) as Node | undefined;
}

/** The key node of `key` in a mapping, for errors about a key's presence rather than value. */
export function keyNodeOf(map: YAMLMap | null | undefined, key: string): Node | undefined {
  const pair = map?.items.find((p) => keyText(p.key) === key);
  return pair === undefined ? undefined : (pair.key as Node);
}

/**
 * The key node at `path` when the path ends in a key, else the node itself: messages about a
 * setting as a whole (not its value's type) read best at the key that introduces it.
 */
export function keyAt(
  node: Node | null | undefined,
  path: readonly (string | number)[],
): Node | undefined {
  const last = path.at(-1);
  if (typeof last === 'string') {
    const parent = nodeAt(node, path.slice(0, -1));
    const key = isMap(parent) ? keyNodeOf(parent, last) : undefined;
    if (key !== undefined) return key;
  }
  return nodeAt(node, path);
}
