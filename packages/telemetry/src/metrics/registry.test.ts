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

  it('cuts the same scrape into chunks between series, none much past the size asked', () => {
    const registry = new Registry();
    const requests = registry.counter({
      name: 'request_total',
      help: 'Requests.',
      labelNames: ['authority', 'status_code'],
    });
    const latency = registry.histogram({
      name: 'latency_ms',
      help: 'Latency.',
      labelNames: ['authority'],
      buckets: [1, 10, 100],
    });
    registry.register({ name: 'custom', render: () => '# TYPE custom gauge\ncustom 1\n' });
    for (let a = 0; a < 100; a++) {
      for (const status of ['200', '500']) requests.labels(`svc-${a}`, status).inc();
      latency.labels(`svc-${a}`).observe(a);
    }
    const chunks = registry.exposeChunks(1_000);
    assert.equal(chunks.join(''), registry.expose());
    assert.ok(chunks.length > 20, `${chunks.length} chunks`);
    // A chunk ends where a series (or a family's header) ends, so none splits a line.
    for (const chunk of chunks) assert.ok(chunk.endsWith('\n'));
    // Past the size by at most one series: a histogram's, here, about 400 characters.
    assert.ok(Math.max(...chunks.map((c) => c.length)) < 1_500);
    assert.deepEqual(registry.exposeChunks(), [registry.expose()]);
  });

  it('accepts a hand-written collector', () => {
    const registry = new Registry();
    registry.register({ name: 'custom', render: () => '# TYPE custom gauge\ncustom 1\n' });
    assert.equal(registry.get('custom')?.name, 'custom');
    assert.equal(registry.expose(), '# TYPE custom gauge\ncustom 1\n');
  });
});
