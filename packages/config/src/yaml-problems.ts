/**
 * yaml's own findings (syntax errors, repeated keys, warnings) as Diagnostics. A repeated
 * key gets a message naming the key, where it is and where it first appeared, which yaml's
 * "Map keys must be unique" does not.
 */
import { type Document, isMap, isScalar, isSeq, type Node } from 'yaml';
import { type Context, prefix } from './schema/index.ts';

interface Repeat {
  readonly path: string;
  readonly key: string;
  readonly first: Node;
}

/** Finds the mapping whose key starts at `offset` and the earlier key it repeats. */
function findRepeat(node: unknown, offset: number, path: string): Repeat | undefined {
  if (isSeq(node)) {
    for (const [i, item] of node.items.entries()) {
      const found = findRepeat(item, offset, `${path}[${i}]`);
      if (found) return found;
    }
  }
  if (!isMap(node)) return undefined;
  for (const [i, pair] of node.items.entries()) {
    if (!isScalar(pair.key)) continue;
    const keyValue = pair.key.value;
    const key = String(keyValue);
    if (pair.key.range?.[0] === offset) {
      const earlier = node.items.slice(0, i);
      const first = earlier.find((p) => isScalar(p.key) && p.key.value === keyValue);
      if (first) return { path, key, first: first.key as Node };
    }
    const found = findRepeat(pair.value, offset, path === '' ? key : `${path}.${key}`);
    if (found) return found;
  }
  return undefined;
}

/**
 * Reports what yaml found. Returns false when the text is not well-formed YAML: then the
 * tree may not be what the author wrote and validating it would mostly report noise.
 * Repeated keys leave a sound tree, so validation still runs after them.
 */
export function reportYamlProblems(doc: Document, ctx: Context): boolean {
  let wellFormed = true;
  for (const error of doc.errors) {
    const offset = error.pos[0];
    const repeat =
      error.code === 'DUPLICATE_KEY' ? findRepeat(doc.contents, offset, '') : undefined;
    if (repeat) {
      const { path, key, first } = repeat;
      const message = `${prefix(path)}duplicate key '${key}' (first at ${ctx.where(first)})`;
      ctx.reportAt('error', offset, path === '' ? key : `${path}.${key}`, message);
      continue;
    }
    if (error.code !== 'DUPLICATE_KEY') wellFormed = false;
    ctx.reportAt('error', offset, '', `invalid YAML: ${error.message}`);
  }
  for (const warning of doc.warnings) {
    ctx.reportAt('warning', warning.pos[0], '', `YAML: ${warning.message}`);
  }
  return wellFormed;
}
