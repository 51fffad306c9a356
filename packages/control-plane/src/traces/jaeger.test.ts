/** A stored trace in Jaeger's query-API shape: references, µs times, processes, tags. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { jaegerData, jaegerError, toJaegerTrace } from './jaeger.ts';
import { TraceStore } from './store.ts';
import { span, spanId, T0, traceId } from './testing.ts';

function stored(...spans: Parameters<TraceStore['add']>[0]) {
  const store = new TraceStore({ maxSpansPerTrace: 3 });
  store.add(spans);
  return store.trace(traceId(1))!;
}

describe('Jaeger conversion', () => {
  it('writes spans in start order with CHILD_OF references, integer µs and one process per service', () => {
    const trace = toJaegerTrace(
      stored(
        span(1, 2, {
          service: 'orders',
          name: 'GET /orders/{id}',
          parentSpanId: spanId(1),
          start: 1.25,
          duration: 2.5,
        }),
        span(1, 1, { service: 'gateway', name: 'GET /api', start: 0.5, duration: 10.125 }),
        span(1, 3, { service: 'gateway', name: 'SELECT', kind: 'internal', start: 4, duration: 1 }),
      ),
    );
    assert.equal(trace.traceID, traceId(1));
    assert.deepEqual(trace.processes, {
      p1: { serviceName: 'gateway', tags: [] },
      p2: { serviceName: 'orders', tags: [] },
    });
    assert.equal(trace.warnings, null);
    assert.deepEqual(
      trace.spans.map((s) => [s.spanID, s.operationName, s.processID, s.startTime, s.duration]),
      [
        [spanId(1), 'GET /api', 'p1', T0 * 1000 + 500, 10_125],
        [spanId(2), 'GET /orders/{id}', 'p2', T0 * 1000 + 1250, 2_500],
        [spanId(3), 'SELECT', 'p1', T0 * 1000 + 4000, 1_000],
      ],
    );
    assert.deepEqual(trace.spans[0]!.references, []);
    assert.deepEqual(trace.spans[1]!.references, [
      { refType: 'CHILD_OF', traceID: traceId(1), spanID: spanId(1) },
    ]);
    const first = trace.spans[0]!;
    assert.equal(first.traceID, traceId(1));
    assert.equal(first.flags, 1);
    assert.deepEqual(first.logs, []);
    assert.equal(first.warnings, null);
    assert.ok(
      trace.spans.every((s) => Number.isInteger(s.startTime) && Number.isInteger(s.duration)),
    );
  });

  it('types attribute tags and adds span.kind, and error tags on a failed span', () => {
    const [ok, failed] = toJaegerTrace(
      stored(
        span(1, 1, {
          attributes: { 'http.method': 'GET', 'http.status_code': 200, ratio: 0.5, cached: true },
        }),
        span(1, 2, { kind: 'client', start: 1, error: 'upstream reset' }),
      ),
    ).spans;
    assert.deepEqual(ok!.tags, [
      { key: 'http.method', type: 'string', value: 'GET' },
      { key: 'http.status_code', type: 'int64', value: 200 },
      { key: 'ratio', type: 'float64', value: 0.5 },
      { key: 'cached', type: 'bool', value: true },
      { key: 'span.kind', type: 'string', value: 'server' },
    ]);
    assert.deepEqual(failed!.tags, [
      { key: 'span.kind', type: 'string', value: 'client' },
      { key: 'error', type: 'bool', value: true },
      { key: 'otel.status_code', type: 'string', value: 'ERROR' },
      { key: 'otel.status_description', type: 'string', value: 'upstream reset' },
    ]);
  });

  it('warns on a trace that lost spans to the per-trace bound', () => {
    const trace = toJaegerTrace(stored(span(1, 1), span(1, 2), span(1, 3), span(1, 4)));
    assert.equal(trace.spans.length, 3);
    assert.deepEqual(trace.warnings, [
      "1 span(s) of this trace not kept: past the receiver's spans-per-trace bound",
    ]);
  });

  it('wraps data and errors as the query API does', () => {
    assert.deepEqual(jaegerData(['a', 'b']), {
      data: ['a', 'b'],
      total: 2,
      limit: 0,
      offset: 0,
      errors: null,
    });
    assert.deepEqual(jaegerError(404, 'trace not found'), {
      data: [],
      total: 0,
      limit: 0,
      offset: 0,
      errors: [{ code: 404, msg: 'trace not found' }],
    });
  });
});
