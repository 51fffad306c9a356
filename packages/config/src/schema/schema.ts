/**
 * The one shape every validator has: a function from a YAML node to a value, or to
 * `undefined` after it has reported why the node is wrong. Each schema also names what it
 * expects, so that "missing" and "wrong type" messages say the same thing everywhere.
 */
import { isMap, isScalar, isSeq, type Node } from 'yaml';
import type { At, Located } from './context.ts';

export interface Schema<T> {
  /** `node` is undefined when the key is absent (only section defaults ask for that). */
  (node: Node | null | undefined, at: At): T | undefined;
  /** A noun phrase: "an integer from 1 to 65535". */
  readonly expected: string;
}

/** Builds a schema; aliases are resolved first so no check has to think about them. */
export function schema<T>(
  expected: string,
  check: (node: Node | undefined, at: At) => T | undefined,
): Schema<T> {
  const run = (node: Node | null | undefined, at: At) => check(at.ctx.resolve(node), at);
  return Object.assign(run, { expected });
}

/** `string "80a"`, `number 70000`, `a list` — what was found, for "expected X, got Y". */
export function describe(node: Node | undefined): string {
  if (node === undefined) return 'nothing';
  if (isMap(node)) return 'a mapping';
  if (isSeq(node)) return 'a list';
  if (!isScalar(node)) return 'an unsupported YAML node';
  const value = node.value;
  if (value === null || value === undefined) return 'nothing';
  if (typeof value === 'string') return `string ${JSON.stringify(value)}`;
  if (typeof value === 'number' || typeof value === 'boolean') return `${typeof value} ${value}`;
  return `${typeof value} ${String(value)}`;
}

/** The standard complaint, so every type error reads the same way. */
export function mismatch(node: Node | undefined, at: At, expected: string, hint = ''): undefined {
  return at.error(node, `expected ${expected}, got ${describe(node)}${hint}`);
}

/** The plain value of a scalar node, or `undefined` for collections and absent nodes. */
export function scalarValue(node: Node | undefined): unknown {
  return isScalar(node) ? node.value : undefined;
}

/** Reshapes a valid value (renaming keys, converting units); may reject with its own error. */
export function transform<A, B>(
  inner: Schema<A>,
  reshape: (value: A, node: Node | undefined, at: At) => B | undefined,
  expected = inner.expected,
): Schema<B> {
  return schema(expected, (node, at) => {
    const value = inner(node, at);
    return value === undefined ? undefined : reshape(value, node, at);
  });
}

/** Keeps the node and path beside the value, for checks that point at two places at once. */
export function located<T>(inner: Schema<T>): Schema<Located<T>> {
  return schema(inner.expected, (node, at) => {
    const value = inner(node, at);
    return value === undefined ? undefined : { value, node, path: at.path };
  });
}
