/** The waterfall, line for line: spans in tree order, columns aligned, bars on one time line. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { JaegerTrace } from '@fusion/mesh-types';
import { formatMs, serviceColour, terminalWidth, wantsColour } from './format.ts';
import { CHAT_TRACE, jaegerSpan, TRACE_ID } from './testing.ts';
import { spanTree } from './tree.ts';
import { formatWaterfall } from './waterfall.ts';

const bar = (at: number, length: number) => ' '.repeat(at) + '█'.repeat(length);

describe('trace waterfall', () => {
  it('draws each span under its parent, with offsets, durations and bars across 80 columns', () => {
    assert.deepEqual(formatWaterfall(CHAT_TRACE, { width: 80, colour: false }), [
      `Trace ${TRACE_ID}: 4 spans, 2 services, 40.0 ms, started 2023-11-14T22:13:20.000Z`,
      '  SERVICE        OPERATION        START  DURATION  TIMELINE',
      `  gateway        GET /api/chat  0.00 ms   40.0 ms  ${bar(0, 29)}`,
      `    ai-kernel    POST /infer    5.00 ms   30.0 ms  ${bar(3, 22)}`,
      `×     ai-kernel  SELECT models  6.00 ms   4.00 ms  ${bar(4, 3)}`,
      `    gateway      render         36.0 ms   2.00 ms  ${bar(26, 1)}`,
      '',
      '× ai-kernel SELECT models (span 000000000000000c): timeout after 3 s',
    ]);
  });

  it('gives the bars what the width leaves, but never fewer than 10 columns', () => {
    const wide = formatWaterfall(CHAT_TRACE, { width: 120, colour: false });
    assert.equal(wide[2]!.length, 120);
    assert.ok(wide[2]!.endsWith(bar(0, 69)));
    const narrow = formatWaterfall(CHAT_TRACE, { width: 40, colour: false });
    assert.ok(narrow[2]!.endsWith(`40.0 ms  ${bar(0, 10)}`));
  });

  it('colours bars by service and failures red only when asked', () => {
    const lines = formatWaterfall(CHAT_TRACE, { width: 80, colour: true });
    assert.ok(lines[4]!.startsWith('\u001b[31m×\u001b[0m     ai-kernel'));
    assert.ok(lines[4]!.endsWith(`\u001b[31m${'█'.repeat(3)}\u001b[0m`));
    const gateway = serviceColour('gateway');
    assert.ok(lines[2]!.endsWith(`\u001b[${gateway}m${'█'.repeat(29)}\u001b[0m`));
    const plain = formatWaterfall(CHAT_TRACE, { width: 80, colour: false });
    assert.ok(plain.every((l) => !l.includes('\u001b[')));
  });

  it("shows a span whose parent is missing as a root, and the trace's warnings", () => {
    const trace: JaegerTrace = {
      ...CHAT_TRACE,
      spans: [
        jaegerSpan('0000000000000001', {
          process: 'p2',
          name: 'POST /infer',
          startMs: 0,
          durationMs: 0.5,
          parent: '00000000000000ff',
        }),
      ],
      warnings: ['2 span(s) of this trace not kept'],
    };
    assert.deepEqual(formatWaterfall(trace, { width: 60, colour: false }), [
      `Trace ${TRACE_ID}: 1 span, 1 service, 0.50 ms, started 2023-11-14T22:13:20.000Z`,
      '  SERVICE    OPERATION      START  DURATION  TIMELINE',
      `  ai-kernel  POST /infer  0.00 ms   0.50 ms  ${bar(0, 15)}`,
      '',
      '! 2 span(s) of this trace not kept',
    ]);
  });
});

describe('span tree', () => {
  it('orders children by start under their parent, and shows every span of a reference loop once', () => {
    assert.deepEqual(
      spanTree(CHAT_TRACE).map((p) => [p.span.operationName, p.depth]),
      [
        ['GET /api/chat', 0],
        ['POST /infer', 1],
        ['SELECT models', 2],
        ['render', 1],
      ],
    );
    const loop: JaegerTrace = {
      ...CHAT_TRACE,
      spans: [
        jaegerSpan('0000000000000001', {
          process: 'p1',
          name: 'a',
          startMs: 0,
          durationMs: 1,
          parent: '0000000000000002',
        }),
        jaegerSpan('0000000000000002', {
          process: 'p1',
          name: 'b',
          startMs: 1,
          durationMs: 1,
          parent: '0000000000000001',
        }),
      ],
    };
    assert.deepEqual(
      spanTree(loop).map((p) => [p.span.operationName, p.depth]),
      [
        ['a', 0],
        ['b', 1],
      ],
    );
  });
});

describe('trace view helpers', () => {
  it('writes durations in ms with about three significant digits', () => {
    assert.deepEqual([0.25, 5, 12.345, 999.96, 1234.5].map(formatMs), [
      '0.25 ms',
      '5.00 ms',
      '12.3 ms',
      '1000 ms',
      '1235 ms',
    ]);
  });

  it('uses colour on a terminal unless NO_COLOR is set, and 80 columns off a terminal', () => {
    const tty = { isTTY: true, columns: 132 } as NodeJS.WriteStream;
    const pipe = { isTTY: false } as unknown as NodeJS.WriteStream;
    assert.equal(wantsColour(tty, {}), true);
    assert.equal(wantsColour(tty, { NO_COLOR: '1' }), false);
    assert.equal(wantsColour(pipe, {}), false);
    assert.equal(terminalWidth(tty), 132);
    assert.equal(terminalWidth(pipe), 80);
  });
});
