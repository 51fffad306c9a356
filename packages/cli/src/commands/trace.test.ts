/**
 * `fusion trace` and `fusion traces` against the real trace receiver (the control plane's
 * component, on a free port): what they print, and the exit codes the file comment promises.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTraceReceiver, type TraceReceiverComponent } from '@fusion/control-plane';
import { captureLogger } from '@fusion/control-plane/testing';
import { listTraces, type ReceiverTarget, showTrace } from './trace.ts';

const T0 = 1_700_000_000_000;
const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const OTHER = '00000000000000000000000000000002';

let receiver: TraceReceiverComponent;
let target: ReceiverTarget;

interface TestSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  start: number;
  ms: number;
}

/** An OTLP/JSON export as a sidecar sends it: whole ms here, so the nanoseconds are exact. */
function otlp(service: string, spans: TestSpan[]) {
  return {
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }] },
        scopeSpans: [
          {
            scope: { name: 'test' },
            spans: spans.map(({ start, ms, ...ids }) => ({
              ...ids,
              kind: 2,
              startTimeUnixNano: `${T0 + start}000000`,
              endTimeUnixNano: `${T0 + start + ms}000000`,
              attributes: [],
              status: { code: 1 },
            })),
          },
        ],
      },
    ],
  };
}

function captured() {
  const lines: string[] = [];
  const errors: string[] = [];
  return { lines, errors, out: (l: string) => lines.push(l), err: (l: string) => errors.push(l) };
}

before(async () => {
  receiver = await startTraceReceiver({
    host: '127.0.0.1',
    port: 0,
    logger: captureLogger().logger,
  });
  target = { base: `http://127.0.0.1:${receiver.address.port}`, sampling: 0.1 };
  for (const body of [
    otlp('gateway', [
      { traceId: TRACE, spanId: '000000000000000a', name: 'GET /api/chat', start: 0, ms: 40 },
      { traceId: OTHER, spanId: '000000000000000e', name: 'GET /health', start: 1_000, ms: 1 },
    ]),
    otlp('ai-kernel', [
      {
        traceId: TRACE,
        spanId: '000000000000000b',
        parentSpanId: '000000000000000a',
        name: 'POST /infer',
        start: 5,
        ms: 30,
      },
    ]),
  ]) {
    const response = await fetch(`${target.base}/v1/traces`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    assert.equal(response.status, 200);
  }
});
after(() => receiver.close());

describe('fusion trace', () => {
  it('draws the waterfall of a trace the receiver holds, exit 0', async () => {
    const output = captured();
    assert.equal(
      await showTrace(target, TRACE.toUpperCase(), { width: 80, colour: false }, output),
      0,
    );
    assert.equal(
      output.lines[0],
      `Trace ${TRACE}: 2 spans, 2 services, 40.0 ms, started 2023-11-14T22:13:20.000Z`,
    );
    assert.match(output.lines[2]!, /^ {2}gateway {6}GET \/api\/chat/);
    assert.match(output.lines[3]!, /^ {4}ai-kernel {2}POST \/infer/);
    assert.deepEqual(output.errors, []);
  });

  it('prints the Jaeger JSON with --json', async () => {
    const output = captured();
    assert.equal(await showTrace(target, TRACE, { json: true }, output), 0);
    const trace = JSON.parse(output.lines.join('\n'));
    assert.equal(trace.traceID, TRACE);
    assert.equal(trace.spans.length, 2);
  });

  it('exits 1 for a trace it does not hold, 2 for an id that is not one', async () => {
    const missing = captured();
    assert.equal(await showTrace(target, 'f'.repeat(32), {}, missing), 1);
    assert.match(
      missing.errors[0]!,
      /^trace f{32} is not held by the trace receiver at http:\/\/127\.0\.0\.1:\d+$/,
    );
    assert.match(
      missing.errors[1]!,
      /only sampled ones \(observability\.tracing\.sampling: 0\.1\)/,
    );
    const bad = captured();
    assert.equal(await showTrace(target, 'abc', {}, bad), 2);
    assert.deepEqual(bad.errors, ["trace id: expected 32 hex digits, got 'abc'"]);
  });

  it('exits 1 naming the address when the receiver does not answer, and the collector when one is set', async () => {
    const closed = await startTraceReceiver({
      host: '127.0.0.1',
      port: 0,
      logger: captureLogger().logger,
    });
    const base = `http://127.0.0.1:${closed.address.port}`;
    await closed.close();
    const down = captured();
    assert.equal(await showTrace({ base, sampling: 1 }, TRACE, {}, down), 1);
    assert.deepEqual(down.errors, [
      `the trace receiver at ${base} does not answer (ECONNREFUSED)`,
      '    is the platform running? `fusion status`; the receiver runs in the control plane',
    ]);
    const elsewhere = captured();
    assert.equal(
      await listTraces({ base, sampling: 1, collector: 'http://jaeger:4318' }, {}, elsewhere),
      1,
    );
    assert.match(
      elsewhere.errors[1]!,
      /sends spans to http:\/\/jaeger:4318 \(observability\.tracing\.collector\)/,
    );
  });
});

describe('fusion traces', () => {
  it('lists traces newest first, or the slowest first, exit 0', async () => {
    const newest = captured();
    assert.equal(await listTraces(target, { colour: false }, newest), 0);
    assert.deepEqual(
      newest.lines.slice(1).map((l) => l.slice(2, 34)),
      [OTHER, TRACE],
    );
    const slowest = captured();
    assert.equal(
      await listTraces(target, { slowest: true, limit: '1', colour: false }, slowest),
      0,
    );
    assert.equal(slowest.lines.length, 2);
    assert.match(
      slowest.lines[1]!,
      new RegExp(`^  ${TRACE}  gateway GET /api/chat +2 +40\\.0 ms  22:13:20\\.000$`),
    );
  });

  it('narrows to a service and a time window, and says so when nothing matches', async () => {
    const kernel = captured();
    assert.equal(await listTraces(target, { service: 'ai-kernel', colour: false }, kernel), 0);
    assert.equal(kernel.lines.length, 2);
    // The stored spans are from 2023: none started in the last minute.
    const recent = captured();
    assert.equal(await listTraces(target, { since: '1m', service: 'gateway' }, recent), 0);
    assert.deepEqual(recent.lines, []);
    assert.deepEqual(recent.errors, [
      `no traces from gateway in the last 1m in the trace receiver at ${target.base}`,
    ]);
  });

  it('exits 2 on a bad --limit or --since', async () => {
    const limit = captured();
    assert.equal(await listTraces(target, { limit: '0' }, limit), 2);
    assert.deepEqual(limit.errors, ["--limit: expected a whole number >= 1, got '0'"]);
    const since = captured();
    assert.equal(await listTraces(target, { since: 'yesterday' }, since), 2);
    assert.match(since.errors[0]!, /^--since: expected a duration/);
  });
});
