import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  extractContext,
  formatTraceparent,
  newSpanId,
  newTraceId,
  parseB3,
  parseTraceparent,
} from './context.ts';

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const SPAN = '00f067aa0ba902b7';

describe('W3C traceparent (Trace Context §3.2)', () => {
  it('reads version 00 with its sampled flag, and writes it back the same', () => {
    const context = parseTraceparent(`00-${TRACE}-${SPAN}-01`, 'vendor=1');
    assert.deepEqual(context, {
      traceId: TRACE,
      spanId: SPAN,
      sampled: true,
      traceState: 'vendor=1',
    });
    assert.equal(formatTraceparent(context!), `00-${TRACE}-${SPAN}-01`);
    assert.equal(parseTraceparent(`00-${TRACE}-${SPAN}-00`)?.sampled, false);
    // §3.2.2.5: only bit 0 of the flags is sampling.
    assert.equal(parseTraceparent(`00-${TRACE}-${SPAN}-03`)?.sampled, true);
  });

  it('refuses what the spec calls invalid: all-zero ids, version ff, upper case, wrong lengths', () => {
    for (const bad of [
      `00-${'0'.repeat(32)}-${SPAN}-01`,
      `00-${TRACE}-${'0'.repeat(16)}-01`,
      `ff-${TRACE}-${SPAN}-01`,
      `00-${TRACE.toUpperCase()}-${SPAN}-01`,
      `00-${TRACE.slice(1)}-${SPAN}-01`,
      'garbage',
    ]) {
      assert.equal(parseTraceparent(bad), undefined, bad);
    }
  });
});

describe('B3', () => {
  const headers = (h: Record<string, string>) => (name: string) => h[name];
  it('reads the single header and the multi-header form; a 64-bit trace id is padded', () => {
    assert.deepEqual(parseB3(headers({ b3: `${TRACE}-${SPAN}-1` })), {
      traceId: TRACE,
      spanId: SPAN,
      sampled: true,
    });
    assert.deepEqual(
      parseB3(
        headers({ 'x-b3-traceid': TRACE.slice(16), 'x-b3-spanid': SPAN, 'x-b3-sampled': '0' }),
      ),
      { traceId: `${'0'.repeat(16)}${TRACE.slice(16)}`, spanId: SPAN, sampled: false },
    );
    assert.equal(
      parseB3(headers({ b3: '0' })),
      undefined,
      'a sampling decision alone is no context',
    );
  });

  it('prefers traceparent when both came', () => {
    const both = headers({
      traceparent: `00-${TRACE}-${SPAN}-00`,
      b3: `${'a'.repeat(32)}-${SPAN}-1`,
    });
    assert.equal(extractContext(both)?.traceId, TRACE);
  });
});

describe('ids', () => {
  it('are lowercase hex of the right length and differ', () => {
    const traces = new Set(Array.from({ length: 1000 }, newTraceId));
    assert.equal(traces.size, 1000);
    for (const id of traces) assert.match(id, /^[0-9a-f]{32}$/);
    assert.match(newSpanId(), /^[0-9a-f]{16}$/);
  });
});
