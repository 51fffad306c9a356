import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_BUCKETS, Histogram } from './histogram.ts';

describe('Histogram', () => {
  it('renders cumulative buckets, +Inf, _sum and _count', () => {
    const h = new Histogram({
      name: 'latency_seconds',
      help: 'Latency.',
      labelNames: ['route'],
      buckets: [0.1, 0.5, 1],
    });
    const child = h.labels('/users/:id');
    for (const v of [0.05, 0.1, 0.3, 0.7, 2]) child.observe(v);
    assert.equal(
      h.render(),
      [
        '# HELP latency_seconds Latency.',
        '# TYPE latency_seconds histogram',
        'latency_seconds_bucket{route="/users/:id",le="0.1"} 2',
        'latency_seconds_bucket{route="/users/:id",le="0.5"} 3',
        'latency_seconds_bucket{route="/users/:id",le="1"} 4',
        'latency_seconds_bucket{route="/users/:id",le="+Inf"} 5',
        'latency_seconds_sum{route="/users/:id"} 3.15',
        'latency_seconds_count{route="/users/:id"} 5',
        '',
      ].join('\n'),
    );
  });

  it('treats a bound as inclusive (le means <=)', () => {
    const h = new Histogram({ name: 'h', help: 'h', buckets: [1, 2] });
    h.observe(1);
    h.observe(2);
    h.observe(2.0000001);
    assert.match(h.render(), /^h_bucket\{le="1"\} 1$/m);
    assert.match(h.render(), /^h_bucket\{le="2"\} 2$/m);
    assert.match(h.render(), /^h_bucket\{le="\+Inf"\} 3$/m);
  });

  it('exposes an unlabelled histogram with zero counts before any observation', () => {
    const h = new Histogram({ name: 'h', help: 'h', buckets: [1] });
    assert.equal(
      h.render(),
      '# HELP h h\n# TYPE h histogram\nh_bucket{le="1"} 0\nh_bucket{le="+Inf"} 0\nh_sum 0\nh_count 0\n',
    );
  });

  it('ignores NaN observations instead of poisoning _sum', () => {
    const h = new Histogram({ name: 'h', help: 'h', buckets: [1] });
    h.observe(Number.NaN);
    h.observe(0.5);
    assert.match(h.render(), /^h_sum 0.5$/m);
    assert.match(h.render(), /^h_count 1$/m);
  });

  it('uses the Prometheus default buckets and drops an explicit +Inf', () => {
    assert.deepEqual(Array.from(new Histogram({ name: 'a', help: 'h' }).buckets), DEFAULT_BUCKETS);
    const h = new Histogram({ name: 'b', help: 'h', buckets: [1, Number.POSITIVE_INFINITY] });
    assert.deepEqual(Array.from(h.buckets), [1]);
  });

  it('rejects unordered buckets and the reserved le label', () => {
    assert.throws(() => new Histogram({ name: 'h', help: 'h', buckets: [1, 1] }), /increasing/);
    assert.throws(() => new Histogram({ name: 'h', help: 'h', labelNames: ['le'] }), /reserved/);
  });
});
