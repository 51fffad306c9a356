import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Counter } from './counter.ts';

describe('Counter', () => {
  it('renders an unlabelled counter as 0 before any increment', () => {
    const c = new Counter({ name: 'jobs_total', help: 'Jobs run.' });
    assert.equal(
      c.render(),
      '# HELP jobs_total Jobs run.\n# TYPE jobs_total counter\njobs_total 0\n',
    );
  });

  it('renders one line per label tuple, in creation order', () => {
    const c = new Counter({
      name: 'http_requests_total',
      help: 'Requests.',
      labelNames: ['method', 'status'],
    });
    c.labels('GET', '200').inc();
    c.labels('POST', '201').inc(2);
    c.labels('GET', '200').inc(0.5);
    assert.equal(
      c.render(),
      [
        '# HELP http_requests_total Requests.',
        '# TYPE http_requests_total counter',
        'http_requests_total{method="GET",status="200"} 1.5',
        'http_requests_total{method="POST",status="201"} 2',
        '',
      ].join('\n'),
    );
  });

  it('refuses to go down or to add NaN', () => {
    const c = new Counter({ name: 'c_total', help: 'h' });
    assert.throws(() => c.inc(-1), RangeError);
    assert.throws(() => c.inc(Number.NaN), RangeError);
    assert.equal(c.get(), 0);
  });

  it('catches up from an external source in its collect callback', () => {
    let external = 0;
    const c = new Counter({
      name: 'bytes_total',
      help: 'Bytes.',
      collect: (counter) => counter.inc(external - counter.get()),
    });
    external = 42;
    assert.match(c.render(), /^bytes_total 42$/m);
    external = 50;
    assert.match(c.render(), /^bytes_total 50$/m);
  });
});
