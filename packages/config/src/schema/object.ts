/**
 * Mappings with a fixed set of keys. Each key is a field that is required, optional, or
 * defaulted; the result type follows from the fields, so the shape is written once.
 * Unknown keys are errors at the key itself with the nearest valid key suggested, and a
 * missing required key is reported at its parent, the only place that exists.
 */
import type { Node, YAMLMap } from 'yaml';
import { suggestion } from '../suggest.ts';
import { type At, prefix } from './context.ts';
import { asMapping, entries } from './mapping.ts';
import { type Schema, schema } from './schema.ts';

type Presence = 'required' | 'optional' | 'defaulted';

export interface Field<T, P extends Presence = Presence> {
  readonly schema: Schema<T>;
  readonly presence: P;
  /** What an absent defaulted field becomes. */
  readonly absent?: (at: At) => T | undefined;
}

export function required<T>(inner: Schema<T>): Field<T, 'required'> {
  return { schema: inner, presence: 'required' };
}

/** Absent stays absent: the key is left out of the result, not set to undefined. */
export function optional<T>(inner: Schema<T>): Field<T, 'optional'> {
  return { schema: inner, presence: 'optional' };
}

export function withDefault<T>(inner: Schema<T>, value: T): Field<T, 'defaulted'> {
  return { schema: inner, presence: 'defaulted', absent: () => value };
}

/** A nested mapping whose own defaults apply when it is left out entirely. */
export function section<T>(inner: Schema<T>): Field<T, 'defaulted'> {
  return { schema: inner, presence: 'defaulted', absent: (at) => inner(undefined, at) };
}

export type Shape = { readonly [key: string]: Field<unknown> };

type ValueOf<F> = F extends Field<infer T> ? T : never;
type OptionalKeys<S extends Shape> = {
  [K in keyof S]: S[K] extends Field<unknown, 'optional'> ? K : never;
}[keyof S];

export type ObjectOf<S extends Shape> = {
  -readonly [K in Exclude<keyof S, OptionalKeys<S>>]: ValueOf<S[K]>;
} & { -readonly [K in OptionalKeys<S>]?: ValueOf<S[K]> };

export interface ObjectRead<S extends Shape> {
  /** Every field that validated; when `complete`, exactly the object the shape describes. */
  readonly values: Partial<ObjectOf<S>>;
  readonly complete: boolean;
  readonly map: YAMLMap | null;
}

export interface ObjectOptions {
  /** What the keys are called in messages: "unknown section" reads better at the top. */
  readonly noun?: string;
}

/**
 * Validates every key, even after a failure, and returns what did validate. Callers that
 * need the partial result (cross-checks over half-broken services) use this directly.
 */
export function readObject<S extends Shape>(
  shape: S,
  node: Node | undefined,
  at: At,
  options: ObjectOptions = {},
): ObjectRead<S> | undefined {
  const map = asMapping(node, at);
  if (map === undefined) return undefined;
  const values: Record<string, unknown> = {};
  const known = Object.keys(shape);
  let complete = true;
  const present = new Set<string>();
  for (const { key, keyNode, value } of entries(map, at)) {
    present.add(key);
    const field = Object.hasOwn(shape, key) ? shape[key] : undefined;
    if (field === undefined) {
      const noun = options.noun ?? 'key';
      const message = `unknown ${noun} '${key}'${suggestion(key, known, `valid ${noun}s`)}`;
      at.ctx.report('error', keyNode, at.key(key).path, `${prefix(at.path)}${message}`);
      complete = false;
      continue;
    }
    const result = field.schema(value, at.key(key));
    if (result === undefined) complete = false;
    else values[key] = result;
  }
  for (const [key, field] of Object.entries(shape)) {
    if (present.has(key)) continue;
    if (field.presence === 'required') {
      const where = map ?? node;
      const message = `missing required key '${key}' (${field.schema.expected})`;
      at.ctx.report('error', where, at.key(key).path, `${prefix(at.path)}${message}`);
      complete = false;
    } else if (field.absent !== undefined) {
      const result = field.absent(at.key(key));
      if (result === undefined) complete = false;
      else values[key] = result;
    }
  }
  return { values: values as Partial<ObjectOf<S>>, complete, map };
}

/** All-or-nothing: the object when every field is valid, otherwise undefined. */
export function object<S extends Shape>(
  shape: S,
  options: ObjectOptions = {},
): Schema<ObjectOf<S>> {
  return schema('a mapping', (node, at) => {
    const read = readObject(shape, node, at, options);
    return read?.complete ? (read.values as ObjectOf<S>) : undefined;
  });
}
