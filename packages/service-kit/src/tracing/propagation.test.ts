import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { withTraceHeaders } from './propagation.ts';

const context = {
  traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
  spanId: '00f067aa0ba902b7',
  sampled: false,
};

describe('withTraceHeaders', () => {
  it("sets traceparent (and the context's tracestate), keeping the call's other headers", () => {
    const headers = withTraceHeaders({ 'x-test': 'yes' }, { ...context, traceState: 'vendor=1' });
    assert.deepEqual(Object.fromEntries(headers), {
      traceparent: `00-${context.traceId}-${context.spanId}-00`,
      tracestate: 'vendor=1',
      'x-test': 'yes',
    });
  });

  it('replaces a traceparent the handler copied from its own request', () => {
    const copied = new Headers({ traceparent: `00-${'1'.repeat(32)}-${'2'.repeat(16)}-01` });
    const headers = withTraceHeaders(copied, context);
    assert.equal(headers.get('traceparent'), `00-${context.traceId}-${context.spanId}-00`);
    assert.equal(headers.get('tracestate'), null);
  });
});
