import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type SpanRecord, Tracer } from '@fusion/telemetry';
import { runWithSpanContext } from '../tracing/index.ts';
import { STATEMENT_LIMIT, statementOf, traceQuery, verbOf } from './traced-query.ts';

const request = {
  traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
  spanId: '00f067aa0ba902b7',
  sampled: true,
};

function tracerWithSpans() {
  const spans: SpanRecord[] = [];
  return { spans, tracer: new Tracer({ sampling: 1, sink: { add: (span) => spans.push(span) } }) };
}

describe('SQL spans', () => {
  it("records a client span under the request's, with the statement and never the values", async () => {
    const { spans, tracer } = tracerWithSpans();
    const rows = await runWithSpanContext(request, () =>
      traceQuery(tracer, 'select *\n  from users\n  where email = $1', async () => ['row']),
    );
    assert.deepEqual(rows, ['row']);
    assert.equal(spans.length, 1);
    const span = spans[0]!;
    assert.equal(span.name, 'SELECT');
    assert.equal(span.kind, 'client');
    assert.equal(span.traceId, request.traceId);
    assert.equal(span.parentSpanId, request.spanId);
    assert.equal(span.error, undefined);
    assert.deepEqual(span.attributes, {
      'db.system': 'postgresql',
      'db.statement': 'select * from users where email = $1',
    });
  });

  it('ends the span of a failed query with the reason and lets the error through', async () => {
    const { spans, tracer } = tracerWithSpans();
    const failure = new Error('relation "users" does not exist');
    await assert.rejects(
      runWithSpanContext(request, () =>
        traceQuery(tracer, 'INSERT INTO users VALUES ($1)', () => Promise.reject(failure)),
      ),
      (error) => error === failure,
    );
    assert.deepEqual(
      spans.map((span) => [span.name, span.error]),
      [['INSERT', 'relation "users" does not exist']],
    );
  });

  it('records nothing outside a request, in an unsampled one, or without a tracer', async () => {
    const { spans, tracer } = tracerWithSpans();
    let runs = 0;
    const query = async () => ++runs;
    await traceQuery(tracer, 'SELECT 1', query);
    await runWithSpanContext({ ...request, sampled: false }, () =>
      traceQuery(tracer, 'SELECT 1', query),
    );
    await runWithSpanContext(request, () => traceQuery(undefined, 'SELECT 1', query));
    assert.equal(runs, 3, 'every query ran');
    assert.deepEqual(spans, []);
  });

  it('names a span after the verb and cuts a long statement', () => {
    assert.equal(verbOf('  update users set name = $1'), 'UPDATE');
    assert.equal(verbOf('WITH recent AS (SELECT 1) SELECT * FROM recent'), 'WITH');
    assert.equal(verbOf('-- a comment first\nSELECT 1'), 'db.query');
    const long = statementOf(`SELECT ${'column_name, '.repeat(40)}id FROM t`);
    assert.equal(long.length, STATEMENT_LIMIT);
    assert.ok(long.endsWith('…'));
    assert.equal(statementOf('SELECT 1'), 'SELECT 1');
  });
});
