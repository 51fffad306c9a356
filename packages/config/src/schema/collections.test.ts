import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runSchema } from '../testing.ts';
import { array, lenientArray, record } from './collections.ts';
import { int, string } from './scalars.ts';

test('array validates every item and reports each bad one with its index', () => {
  assert.deepEqual(runSchema(array(int(0)), '[1, 2, 3]').value, [1, 2, 3]);
  const { value, errors } = runSchema(array(int(0)), '[1, x, -1]', { path: 'list' });
  assert.equal(value, undefined);
  assert.deepEqual(errors, [
    '1:5 list[1]: expected a non-negative integer, got string "x"',
    '1:8 list[2]: expected a non-negative integer, got number -1',
  ]);
});

test('array treats an empty value as an empty list unless items are required', () => {
  assert.deepEqual(runSchema(array(int(0)), '~').value, []);
  assert.deepEqual(runSchema(array(int(0), { nonEmpty: true }), '[]').errors, [
    '1:1 value: expected a non-empty list of a non-negative integer, got an empty list',
  ]);
  assert.deepEqual(runSchema(array(int(0)), 'a: 1').errors, [
    '1:1 value: expected a list of a non-negative integer, got a mapping',
  ]);
});

test('lenientArray keeps the valid items, with their paths, when others fail', () => {
  const { value, errors } = runSchema(lenientArray(int(0)), '- 1\n- x\n- 3\n', { path: 'l' });
  assert.deepEqual(
    value?.map((item) => [item.value, item.path]),
    [
      [1, 'l[0]'],
      [3, 'l[2]'],
    ],
  );
  assert.equal(errors.length, 1);
});

test('record keeps user keys in order and checks every value', () => {
  assert.deepEqual(runSchema(record(string()), 'B: x\nA: y\n').value, { B: 'x', A: 'y' });
  const { errors } = runSchema(record(string()), 'PORT: 80\nDEBUG: true\n', { path: 'env' });
  assert.deepEqual(errors, [
    '1:7 env.PORT: must be a string; quote it (got number 80)',
    '2:8 env.DEBUG: must be a string; quote it (got boolean true)',
  ]);
});

test('record keeps a key named __proto__ as an ordinary key', () => {
  const value = runSchema(record(string()), '__proto__: x\n').value ?? {};
  assert.equal(Object.getPrototypeOf(value), Object.prototype);
  assert.deepEqual(Object.keys(value), ['__proto__']);
});

test('record checks keys against a rule at the key itself', () => {
  const upper = { test: (k: string) => /^[A-Z_]+$/.test(k), expected: 'upper case' };
  assert.deepEqual(runSchema(record(string(), upper), 'ok: x\n', { path: 'env' }).errors, [
    '1:1 env.ok: the key must be upper case',
  ]);
});
