import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HeaderList } from './headers.ts';

describe('HeaderList', () => {
  it('keeps fields in arrival order, repeated fields repeated (RFC 9110 §5.3)', () => {
    const list = new HeaderList(['accept', 'a', 'set-cookie', 'x=1', 'set-cookie', 'y=2']);
    assert.equal(list.size, 3);
    assert.deepEqual([list.nameAt(1), list.valueAt(1)], ['set-cookie', 'x=1']);
    assert.equal(list.get('set-cookie'), 'x=1');
    assert.deepEqual(list.getAll('set-cookie'), ['x=1', 'y=2']);
    assert.equal(list.get('absent'), undefined);
    assert.equal(list.has('accept'), true);
  });

  it('set replaces the first occurrence and drops the rest; append adds one more', () => {
    const list = new HeaderList(['a', '1', 'b', '2', 'a', '3']);
    list.set('a', 'x');
    assert.deepEqual({ ...list.toRecord() }, { a: 'x', b: '2' });
    list.set('c', 'new').append('b', 'again');
    assert.deepEqual({ ...list.toRecord() }, { a: 'x', b: ['2', 'again'], c: 'new' });
  });

  it('delete removes every field of the name and says whether there was one', () => {
    const list = new HeaderList(['a', '1', 'b', '2', 'a', '3', 'a', '4']);
    assert.equal(list.delete('a'), true);
    assert.equal(list.delete('a'), false);
    assert.deepEqual({ ...list.toRecord() }, { b: '2' });
  });

  it('a clone is independent of its original (a retry edits its own try)', () => {
    const original = new HeaderList(['a', '1']);
    const copy = original.clone();
    copy.set('a', '2').append('b', '3');
    assert.deepEqual({ ...original.toRecord() }, { a: '1' });
    assert.deepEqual({ ...copy.toRecord() }, { a: '2', b: '3' });
  });

  it('from lower-cases names, expands arrays and skips undefined values', () => {
    const list = HeaderList.from({ Accept: 'a', 'X-Multi': ['1', '2'], gone: undefined });
    assert.deepEqual(
      [...Array(list.size).keys()].map((i) => list.nameAt(i)),
      ['accept', 'x-multi', 'x-multi'],
    );
  });

  it('toRecord keeps a field called __proto__ as a field', () => {
    const record = new HeaderList(['__proto__', 'v']).toRecord();
    assert.equal(Object.getPrototypeOf(record), null);
    assert.equal(record['__proto__'], 'v');
  });
});
