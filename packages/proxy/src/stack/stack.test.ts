import assert from 'node:assert/strict';
import { test } from 'node:test';
import { stack } from './stack.ts';

test('layers wrap in push order: the last pushed sees the call first; build returns the whole', () => {
  const seen: string[] = [];
  const tag = (name: string) => (inner: (x: string) => string) => (x: string) => {
    seen.push(name);
    return inner(`${x}>${name}`);
  };
  const handler = stack((x: string) => x)
    .push(tag('inner'))
    .push(tag('outer'))
    .build();
  assert.equal(handler('req'), 'req>outer>inner');
  assert.deepEqual(seen, ['outer', 'inner']);
});

test('a layer that is switched off returns its inner handler unchanged', () => {
  const inner = (x: number) => x + 1;
  const off = (h: typeof inner) => h;
  assert.equal(stack(inner).push(off).build(), inner);
});
