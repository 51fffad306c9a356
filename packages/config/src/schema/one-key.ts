/**
 * A mapping that holds exactly one of a few keys, each with its own schema: `path` is
 * `{ prefix: /a }` or `{ exact: /a }`, session affinity is a header or a cookie. The result
 * keeps the one key, so the type says which was given.
 */
import { suggestion } from '../suggest.ts';
import { prefix } from './context.ts';
import { asMapping, entries } from './mapping.ts';
import { type Schema, schema } from './schema.ts';

type Choices = { readonly [key: string]: Schema<unknown> };
type ValueOf<S> = S extends Schema<infer T> ? T : never;
export type OneKey<C extends Choices> = {
  [K in keyof C]: { readonly [P in K]: ValueOf<C[K]> };
}[keyof C];

function quotedList(keys: readonly string[]): string {
  const quoted = keys.map((k) => `'${k}'`);
  return quoted.length <= 2
    ? quoted.join(' or ')
    : `${quoted.slice(0, -1).join(', ')} or ${quoted.at(-1)}`;
}

export function oneKeyOf<C extends Choices>(choices: C): Schema<OneKey<C>> {
  const keys = Object.keys(choices);
  const expected = `a mapping with one of ${quotedList(keys)}`;
  return schema(expected, (node, at) => {
    const map = asMapping(node, at);
    if (map === undefined) return undefined;
    let found: { key: string; value: unknown } | undefined;
    let ok = true;
    for (const entry of entries(map, at)) {
      const choice = Object.hasOwn(choices, entry.key) ? choices[entry.key] : undefined;
      if (choice === undefined) {
        const message = `unknown key '${entry.key}'${suggestion(entry.key, keys)}`;
        at.ctx.report(
          'error',
          entry.keyNode,
          at.key(entry.key).path,
          `${prefix(at.path)}${message}`,
        );
        ok = false;
        continue;
      }
      if (found !== undefined) {
        at.key(entry.key).error(
          entry.keyNode,
          `give either ${quotedList([found.key, entry.key])}, not both`,
        );
        ok = false;
        continue;
      }
      const value = choice(entry.value, at.key(entry.key));
      if (value === undefined) ok = false;
      found = { key: entry.key, value };
    }
    if (found === undefined) {
      if (ok) at.error(map ?? node, `missing ${quotedList(keys)}; give one`);
      return undefined;
    }
    return ok ? ({ [found.key]: found.value } as OneKey<C>) : undefined;
  });
}
