import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { SpanRecord } from '@fusion/telemetry';
import { openTracing } from './open-tracing.ts';

describe('openTracing', () => {
  it('has no tracer without an endpoint or a sink, and nothing to flush', async () => {
    const tracing = openTracing({ service: 'kit-test', endpoint: undefined, sampling: 1 });
    assert.equal(tracing.tracer, undefined);
    await tracing.flush();
  });

  it('sends spans to an injected sink, sampling new traces at the given ratio', () => {
    const spans: SpanRecord[] = [];
    const sink = { add: (span: SpanRecord) => spans.push(span) };
    const all = openTracing({ service: 'kit-test', endpoint: undefined, sampling: 1, sink });
    all.tracer!.startSpan('kept', 'internal', undefined).end();
    const none = openTracing({
      service: 'kit-test',
      endpoint: 'http://127.0.0.1:9',
      sampling: 0,
      sink,
    });
    const dropped = none.tracer!.startSpan('dropped', 'internal', undefined);
    dropped.end();
    assert.equal(dropped.context.sampled, false);
    assert.deepEqual(
      spans.map((span) => span.name),
      ['kept'],
    );
  });
});
