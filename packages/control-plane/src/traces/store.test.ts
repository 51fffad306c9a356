/** The trace store: grouping, its three bounds, and search as Jaeger defines it. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TraceStore } from './store.ts';
import { span, T0, traceId } from './testing.ts';

const ids = (store: TraceStore, query: Parameters<TraceStore['find']>[0]) =>
  store.find(query).map((t) => t.traceId);

describe('trace store', () => {
  it('groups spans by trace, with the extent, services and operations they make', () => {
    const store = new TraceStore();
    store.add([
      span(1, 1, { service: 'gateway', name: 'GET /api', start: 0, duration: 40 }),
      span(1, 2, { parentSpanId: '0000000000000001', start: 5, duration: 30, kind: 'client' }),
      span(2, 3, { service: 'billing', name: 'charge' }),
    ]);
    const trace = store.trace(traceId(1))!;
    assert.deepEqual(
      trace.spans.map((s) => s.spanId),
      ['0000000000000001', '0000000000000002'],
    );
    assert.equal(trace.startMs, T0);
    assert.equal(trace.endMs, T0 + 40);
    assert.equal(store.trace(traceId(9)), undefined);
    assert.deepEqual(store.services(), ['billing', 'gateway', 'orders']);
    assert.deepEqual(store.operations('orders'), [{ name: 'GET /orders', kind: 'client' }]);
    assert.deepEqual(store.stats(), {
      traces: 2,
      spans: 3,
      bytes: store.stats().bytes,
      received: 3,
      dropped: { 'trace-full': 0, duplicate: 0 },
      evictedTraces: 0,
    });
  });

  it('keeps at most maxTraces, evicting the one whose last span arrived longest ago', () => {
    const store = new TraceStore({ maxTraces: 3 });
    store.add([span(1, 1), span(2, 2), span(3, 3)]);
    // Trace 1 gets a late span: it is now the most recent, so trace 2 is the oldest.
    store.add([span(1, 11)]);
    store.add([span(4, 4)]);
    assert.equal(store.trace(traceId(2)), undefined);
    assert.deepEqual(
      [1, 3, 4].map((n) => store.trace(traceId(n))?.spans.length),
      [2, 1, 1],
    );
    assert.equal(store.stats().traces, 3);
    assert.equal(store.stats().spans, 4);
    assert.equal(store.stats().evictedTraces, 1);
  });

  it('keeps at most maxBytes of span JSON, oldest traces out first', () => {
    const one = JSON.stringify(span(1, 1)).length;
    const store = new TraceStore({ maxBytes: Math.floor(one * 2.5) });
    store.add([span(1, 1), span(2, 2)]);
    assert.equal(store.stats().bytes, 2 * one);
    store.add([span(3, 3)]);
    assert.equal(store.trace(traceId(1)), undefined);
    assert.ok(store.trace(traceId(2)) && store.trace(traceId(3)));
    assert.equal(store.stats().bytes, 2 * one);
    assert.equal(store.stats().evictedTraces, 1);
  });

  it('keeps at most maxSpansPerTrace per trace and counts the rest, and ignores a span sent twice', () => {
    const store = new TraceStore({ maxSpansPerTrace: 2 });
    assert.deepEqual(store.add([span(1, 1), span(1, 2), span(1, 3), span(2, 4)]), {
      kept: 3,
      dropped: 1,
    });
    assert.deepEqual(store.add([span(2, 4)]), { kept: 0, dropped: 1 });
    assert.equal(store.trace(traceId(1))!.spans.length, 2);
    assert.equal(store.trace(traceId(1))!.droppedSpans, 1);
    assert.equal(store.trace(traceId(2))!.spans.length, 1);
    const stats = store.stats();
    assert.deepEqual(stats.dropped, { 'trace-full': 1, duplicate: 1 });
    assert.equal(stats.received, 5);
    assert.equal(stats.spans, 3);
  });

  it('refuses limits that are not whole numbers of at least 1', () => {
    assert.throws(
      () => new TraceStore({ maxTraces: 0 }),
      /maxTraces must be a whole number >= 1, got 0/,
    );
    assert.throws(() => new TraceStore({ maxBytes: 1.5 }), /maxBytes/);
  });

  describe('find', () => {
    const store = new TraceStore({}, () => T0 + 60_000);
    store.add([
      span(1, 1, { service: 'gateway', name: 'GET /a', start: 0, duration: 50 }),
      span(1, 2, { start: 10, duration: 5, parentSpanId: '0000000000000001' }),
      span(2, 3, { service: 'gateway', name: 'GET /b', start: 20_000, duration: 200 }),
      span(3, 4, { start: 50_000, duration: 1, attributes: { 'http.status_code': 500 } }),
      span(4, 5, { service: 'gateway', name: 'GET /a', start: 55_000, duration: 2, error: 'boom' }),
    ]);

    it('lists traces newest first, up to the limit', () => {
      assert.deepEqual(ids(store, { limit: 10 }), [4, 3, 2, 1].map(traceId));
      assert.deepEqual(ids(store, { limit: 2 }), [4, 3].map(traceId));
    });

    it('orders by duration with slowest', () => {
      assert.deepEqual(ids(store, { limit: 3, order: 'slowest' }), [2, 1, 4].map(traceId));
    });

    it('matches a trace when one span has the service, operation, duration and time asked for', () => {
      assert.deepEqual(ids(store, { limit: 10, service: 'orders' }), [3, 1].map(traceId));
      assert.deepEqual(ids(store, { limit: 10, service: 'gateway', operation: 'GET /a' }), [
        traceId(4),
        traceId(1),
      ]);
      // Only an orders span counts: trace 1's lasts 5 ms, though the trace lasts 50.
      assert.deepEqual(ids(store, { limit: 10, service: 'orders', minDurationMs: 5 }), [
        traceId(1),
      ]);
      assert.deepEqual(ids(store, { limit: 10, service: 'orders', minDurationMs: 6 }), []);
      assert.deepEqual(ids(store, { limit: 10, maxDurationMs: 2 }), [4, 3].map(traceId));
      assert.deepEqual(ids(store, { limit: 10, lookbackMs: 15_000 }), [4, 3].map(traceId));
      assert.deepEqual(
        ids(store, { limit: 10, startMinMs: T0 + 1, startMaxMs: T0 + 50_000 }),
        [3, 2, 1].map(traceId),
      );
    });

    it('matches tags against attributes as text, span.kind and error', () => {
      assert.deepEqual(ids(store, { limit: 10, tags: { 'http.status_code': '500' } }), [
        traceId(3),
      ]);
      assert.deepEqual(ids(store, { limit: 10, tags: { error: 'true' } }), [traceId(4)]);
      assert.deepEqual(ids(store, { limit: 10, tags: { 'span.kind': 'client' } }), []);
    });
  });
});
