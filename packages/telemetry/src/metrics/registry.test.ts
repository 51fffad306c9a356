import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Registry } from './registry.ts';

describe('Registry', () => {
  it('exposes every family in registration order as one text', () => {
    const registry = new Registry();
    registry.counter({ name: 'a_total', help: 'A.' }).inc(2);
    registry
      .gauge({ name: 'b', help: 'B.', labelNames: ['x'] })
      .labels('1')
      .set(7);
    registry.histogram({ name: 'c_seconds', help: 'C.', buckets: [1] }).observe(0.25);
    assert.equal(
      registry.expose(),
      [
        '# HELP a_total A.',
        '# TYPE a_total counter',
        'a_total 2',
        '# HELP b B.',
        '# TYPE b gauge',
        'b{x="1"} 7',
        '# HELP c_seconds C.',
        '# TYPE c_seconds histogram',
        'c_seconds_bucket{le="1"} 1',
        'c_seconds_bucket{le="+Inf"} 1',
        'c_seconds_sum 0.25',
        'c_seconds_count 1',
        '',
      ].join('\n'),
    );
  });

  it('refuses two families with the same name', () => {
    const registry = new Registry();
    registry.counter({ name: 'dup_total', help: 'h' });
    assert.throws(() => registry.gauge({ name: 'dup_total', help: 'h' }), /already registered/);
  });

  it('accepts a hand-written collector', () => {
    const registry = new Registry();
    registry.register({ name: 'custom', render: () => '# TYPE custom gauge\ncustom 1\n' });
    assert.equal(registry.get('custom')?.name, 'custom');
    assert.equal(registry.expose(), '# TYPE custom gauge\ncustom 1\n');
  });
});
