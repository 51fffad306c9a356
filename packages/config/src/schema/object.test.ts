import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runSchema } from '../testing.ts';
import { object, optional, readObject, required, section, withDefault } from './object.ts';
import { int, string } from './scalars.ts';
import { schema } from './schema.ts';

const server = object({
  port: required(int(1, 65535)),
  host: withDefault(string(), 'localhost'),
  note: optional(string()),
  limits: section(object({ max: withDefault(int(1), 10) })),
});

test('object applies defaults and leaves absent optional keys out', () => {
  const { value, errors } = runSchema(server, 'port: 80\n');
  assert.deepEqual(errors, []);
  assert.deepEqual(value, { port: 80, host: 'localhost', limits: { max: 10 } });
  assert.equal(Object.hasOwn(value ?? {}, 'note'), false);
});

test('an empty value counts as an empty mapping, so its defaults apply', () => {
  const limitsOnly = object({ limits: section(object({ max: withDefault(int(1), 10) })) });
  assert.deepEqual(runSchema(limitsOnly, 'limits:\n').value, { limits: { max: 10 } });
});

test('an unknown key is reported at the key with the nearest valid key', () => {
  const { value, errors } = runSchema(server, 'port: 80\nhots: example\n', { path: 'server' });
  assert.equal(value, undefined);
  assert.deepEqual(errors, ["2:1 server: unknown key 'hots'; did you mean 'host'?"]);
});

test('an unknown key far from every valid key lists them all', () => {
  const { errors } = runSchema(server, 'port: 80\nzebra: 1\n', { path: 'server' });
  assert.deepEqual(errors, [
    "2:1 server: unknown key 'zebra'; valid keys: port, host, note, limits",
  ]);
});

test('a missing required key is reported at its parent mapping', () => {
  const { errors } = runSchema(server, '\n  host: a\n  note: b\n', { path: 'server' });
  assert.deepEqual(errors, [
    "2:3 server: missing required key 'port' (an integer from 1 to 65535)",
  ]);
});

test('every problem in a mapping is reported, not just the first', () => {
  const { errors } = runSchema(server, 'port: x\nhost: 1\nlimits: { max: 0 }\nextra: 1\n');
  assert.deepEqual(errors, [
    '1:7 value.port: expected an integer from 1 to 65535, got string "x"',
    '2:7 value.host: must be a string; quote it (got number 1)',
    '3:16 value.limits.max: expected an integer of at least 1, got number 0',
    "4:1 value: unknown key 'extra'; valid keys: port, host, note, limits",
  ]);
});

test('a non-mapping is refused with what was found', () => {
  assert.deepEqual(runSchema(server, '- 1\n').errors, [
    '1:1 value: expected a mapping, got a list',
  ]);
});

test('readObject keeps the valid fields of an invalid mapping', () => {
  const shape = { port: required(int(1, 65535)), host: required(string()) };
  const partial = schema('a mapping', (node, at) => readObject(shape, node, at));
  const { value } = runSchema(partial, 'port: 80\nhost: 5\n');
  assert.equal(value?.complete, false);
  assert.deepEqual(value?.values, { port: 80 });
});

test('aliases are followed to the anchored value', () => {
  const pair = object({ a: required(int(0)), b: required(int(0)) });
  assert.deepEqual(runSchema(pair, 'a: &n 5\nb: *n\n').value, { a: 5, b: 5 });
});
