/** The trace list, line for line, and the summary each line is made from. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatTraceList, summarise, type TraceSummary } from './list.ts';
import { CHAT_TRACE, T0_US, TRACE_ID } from './testing.ts';

const HEALTH: TraceSummary = {
  traceId: '00000000000000000000000000000002',
  service: 'gateway',
  operation: 'GET /health',
  spans: 1,
  failedSpans: 0,
  durationMs: 0.25,
  startTime: T0_US + 1_000_000,
};

describe('trace list', () => {
  it('summarises a trace by its root span, extent and failures', () => {
    assert.deepEqual(summarise(CHAT_TRACE), {
      traceId: TRACE_ID,
      service: 'gateway',
      operation: 'GET /api/chat',
      spans: 4,
      failedSpans: 1,
      durationMs: 40,
      startTime: T0_US,
    });
  });

  it('prints one aligned line per trace, × on those with a failed span, times in UTC', () => {
    assert.deepEqual(formatTraceList([summarise(CHAT_TRACE), HEALTH], { colour: false }), [
      `  ${'TRACE'.padEnd(32)}  ROOT                   SPANS  DURATION  STARTED (UTC)`,
      `× ${TRACE_ID}  gateway GET /api/chat      4   40.0 ms  22:13:20.000`,
      `  ${HEALTH.traceId}  gateway GET /health        1   0.25 ms  22:13:21.000`,
    ]);
  });

  it('cuts a long root to 40 columns and marks failures red only when asked', () => {
    const long = { ...HEALTH, operation: `GET /${'x'.repeat(60)}`, failedSpans: 2 };
    const [, line] = formatTraceList([long], { colour: true });
    assert.ok(
      line!.startsWith(`\u001b[31m×\u001b[0m ${HEALTH.traceId}  gateway GET /${'x'.repeat(26)}…  `),
    );
  });
});
