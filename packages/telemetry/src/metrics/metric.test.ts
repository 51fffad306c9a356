import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Counter } from './counter.ts';
import { Gauge } from './gauge.ts';

describe('label children', () => {
  it('creates exactly one series per distinct tuple of label values', () => {
    const c = new Counter({
      name: 'r_total',
      help: 'h',
      labelNames: ['method', 'route', 'status'],
    });
    const methods = ['GET', 'POST'];
    const routes = ['/a', '/b', '/c'];
    for (let round = 0; round < 5; round++) {
      for (const m of methods) for (const r of routes) c.labels(m, r, '200').inc();
    }
    assert.equal(c.seriesCount, methods.length * routes.length);
    assert.equal(c.labels('POST', '/c', '200').get(), 5);
    assert.equal(
      c
        .render()
        .split('\n')
        .filter((l) => l.startsWith('r_total{')).length,
      6,
    );
  });

  it('returns the same cached child for the same values', () => {
    const c = new Counter({ name: 'r_total', help: 'h', labelNames: ['a', 'b'] });
    assert.equal(c.labels('x', 'y'), c.labels('x', 'y'));
    assert.notEqual(c.labels('x', 'y'), c.labels('y', 'x'));
  });

  it('does not confuse tuples whose joined text would be equal', () => {
    const c = new Counter({ name: 'r_total', help: 'h', labelNames: ['a', 'b'] });
    c.labels('a,b', 'c').inc();
    c.labels('a', 'b,c').inc(2);
    assert.equal(c.seriesCount, 2);
    assert.equal(c.labels('a,b', 'c').get(), 1);
  });

  it('rejects the wrong number of label values', () => {
    const c = new Counter({ name: 'r_total', help: 'h', labelNames: ['a', 'b'] });
    // @ts-expect-error: the label tuple is checked at compile time as well
    assert.throws(() => c.labels('only-one'), /expected 2 label values \(a, b\), got 1/);
    assert.throws(() => c.inc(), /has labels \(a, b\): use labels\(\)/);
  });

  it('removes one series and resets all of them', () => {
    const g = new Gauge({ name: 'endpoint_up', help: 'h', labelNames: ['addr'] });
    g.labels('10.0.0.1').set(1);
    g.labels('10.0.0.2').set(1);
    assert.equal(g.remove('10.0.0.1'), true);
    assert.equal(g.remove('10.0.0.1'), false);
    assert.equal(g.seriesCount, 1);
    assert.doesNotMatch(g.render(), /10\.0\.0\.1/);
    g.reset();
    assert.equal(g.seriesCount, 0);
  });

  it('keeps an unlabelled series after reset, back at zero', () => {
    const c = new Counter({ name: 'n_total', help: 'h' });
    c.inc(3);
    c.reset();
    assert.equal(c.seriesCount, 1);
    assert.equal(c.get(), 0);
  });
});
