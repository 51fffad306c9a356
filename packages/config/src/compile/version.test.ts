import assert from 'node:assert/strict';
import { test } from 'node:test';
import { canonicalJson, contentVersion } from './version.ts';

test('canonical JSON sorts keys at every depth and drops undefined like JSON does', () => {
  assert.equal(
    canonicalJson({ b: 1, a: { d: [1, { z: 0, y: 'x' }], c: undefined } }),
    '{"a":{"d":[1,{"y":"x","z":0}]},"b":1}',
  );
});

test('a content version ignores key order and changes with any value', () => {
  const version = contentVersion({ a: 1, b: [1, 2] });
  assert.match(version, /^sha256:[0-9a-f]{16}$/);
  assert.equal(contentVersion({ b: [1, 2], a: 1 }), version);
  assert.notEqual(contentVersion({ a: 1, b: [2, 1] }), version);
  assert.notEqual(contentVersion({ a: '1', b: [1, 2] }), version);
});
