/**
 * Lists and free-keyed mappings (labels, env). Every item is checked even after one fails,
 * so a file with three bad items gets three errors in one run.
 */
import { isScalar, isSeq, type Node } from 'yaml';
import type { At, Located } from './context.ts';
import { asMapping, entries } from './mapping.ts';
import type { TextRule } from './scalars.ts';
import { mismatch, type Schema, schema } from './schema.ts';

interface ListOptions {
  readonly nonEmpty?: boolean;
}

/** The items that validated, each with its node and path; reports the rest. */
export function validItems<T>(
  item: Schema<T>,
  node: Node | undefined,
  at: At,
  options: ListOptions = {},
): { items: Located<T>[]; complete: boolean } | undefined {
  const expected = `${options.nonEmpty ? 'a non-empty list' : 'a list'} of ${item.expected}`;
  // An empty value (`dependsOn:`) is an empty list, like an empty mapping is.
  const empty = node === undefined || (isScalar(node) && node.value === null);
  if (!empty && !isSeq(node)) return mismatch(node, at, expected);
  if (options.nonEmpty && (empty || (isSeq(node) && node.items.length === 0))) {
    return at.error(node, `expected ${expected}, got an empty list`);
  }
  if (!isSeq(node)) return { items: [], complete: true };
  const items: Located<T>[] = [];
  let complete = true;
  node.items.forEach((child, i) => {
    const itemAt = at.index(i);
    const value = item(child as Node, itemAt);
    if (value === undefined) complete = false;
    else items.push({ value, node: at.ctx.resolve(child as Node), path: itemAt.path });
  });
  return { items, complete };
}

/** A list whose items all validate, otherwise undefined. */
export function array<T>(item: Schema<T>, options: ListOptions = {}): Schema<T[]> {
  return schema(`a list of ${item.expected}`, (node, at) => {
    const read = validItems(item, node, at, options);
    return read?.complete ? read.items.map((i) => i.value) : undefined;
  });
}

/**
 * A list that keeps its valid items even when others fail: the policy blocks use it so
 * that their cross-checks and warnings still cover the good entries of a broken file.
 */
export function lenientArray<T>(item: Schema<T>): Schema<Located<T>[]> {
  return schema(`a list of ${item.expected}`, (node, at) => validItems(item, node, at)?.items);
}

/** A mapping with keys chosen by the user (labels, env), all values of one schema. */
export function record<T>(value: Schema<T>, key?: TextRule): Schema<Record<string, T>> {
  return schema(`a mapping from names to values, each ${value.expected}`, (node, at) => {
    const map = asMapping(node, at);
    if (map === undefined) return undefined;
    const found: [string, T][] = [];
    let complete = true;
    for (const entry of entries(map, at)) {
      if (key !== undefined && !key.test(entry.key)) {
        at.key(entry.key).error(entry.keyNode, `the key must be ${key.expected}`);
        complete = false;
        continue;
      }
      const result = value(entry.value, at.key(entry.key));
      if (result === undefined) complete = false;
      else found.push([entry.key, result]);
    }
    // fromEntries defines properties, so a key named `__proto__` stays an ordinary key.
    return complete ? Object.fromEntries(found) : undefined;
  });
}
