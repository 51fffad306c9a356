/** Schema combinators: small validators of YAML nodes that report with positions. */
export { array, lenientArray, record, validItems } from './collections.ts';
export type { FileCheck, Located } from './context.ts';
export { At, Context, prefix } from './context.ts';
export type { Entry } from './mapping.ts';
export { asMapping, entries, keyAt, keyNodeOf, nodeAt } from './mapping.ts';
export type { Field, ObjectOf, ObjectRead, Shape } from './object.ts';
export { object, optional, readObject, required, section, withDefault } from './object.ts';
export type { OneKey } from './one-key.ts';
export { oneKeyOf } from './one-key.ts';
export type { TextRule } from './scalars.ts';
export { bool, decimal, duration, int, nonEmpty, oneOf, string } from './scalars.ts';
export type { Schema } from './schema.ts';
export { describe, located, mismatch, scalarValue, schema, transform } from './schema.ts';
