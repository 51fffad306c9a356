import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Gauge } from './gauge.ts';

describe('Gauge', () => {
  it('goes up and down and renders negative and fractional values', () => {
    const g = new Gauge({ name: 'in_flight', help: 'Requests in flight.' });
    g.inc();
    g.inc(3);
    g.dec(4.5);
    assert.equal(
      g.render(),
      '# HELP in_flight Requests in flight.\n# TYPE in_flight gauge\nin_flight -0.5\n',
    );
  });

  it('renders special values the way Prometheus parses them', () => {
    const g = new Gauge({ name: 'g', help: 'h', labelNames: ['k'] });
    g.labels('a').set(Number.POSITIVE_INFINITY);
    g.labels('b').set(Number.NEGATIVE_INFINITY);
    g.labels('c').set(Number.NaN);
    g.labels('d').set(1e-7);
    assert.equal(
      g.render(),
      '# HELP g h\n# TYPE g gauge\ng{k="a"} +Inf\ng{k="b"} -Inf\ng{k="c"} NaN\ng{k="d"} 1e-7\n',
    );
  });

  it('reads its value at scrape time through collect', () => {
    const queue: number[] = [];
    let calls = 0;
    const g = new Gauge({
      name: 'queue_length',
      help: 'Queued jobs.',
      labelNames: ['queue'],
      collect: (gauge) => {
        calls++;
        gauge.labels('default').set(queue.length);
      },
    });
    queue.push(1, 2, 3);
    assert.equal(calls, 0);
    assert.match(g.render(), /^queue_length\{queue="default"\} 3$/m);
    queue.pop();
    assert.match(g.render(), /^queue_length\{queue="default"\} 2$/m);
    assert.equal(calls, 2);
  });
});
