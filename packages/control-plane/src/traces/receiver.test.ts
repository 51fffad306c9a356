/**
 * The trace receiver over real HTTP: OTLP/JSON in as the exporters send it (`toOtlp`), Jaeger's
 * query API out, the refusals an exporter can meet, and the metrics it reports.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import type { JaegerResponse, JaegerTrace } from '@fusion/mesh-types';
import { Registry, type SpanRecord, toOtlp } from '@fusion/telemetry';
import { captureLogger } from '../identity/testing.ts';
import { startTraceReceiver, type TraceReceiverComponent } from './start.ts';
import { spanId, T0, traceId } from './testing.ts';

const MAX_BODY = 64 * 1024;

let receiver: TraceReceiverComponent;
let base: string;
const registry = new Registry();
const log = captureLogger();

before(async () => {
  receiver = await startTraceReceiver({
    host: '127.0.0.1',
    port: 0,
    registry,
    logger: log.logger,
    maxBodyBytes: MAX_BODY,
    maxSpansPerTrace: 3,
    now: () => T0 + 60_000,
  });
  base = `http://127.0.0.1:${receiver.address.port}`;
});
after(() => receiver.close());

function record(trace: number, id: number, fields: Partial<SpanRecord> = {}): SpanRecord {
  return {
    traceId: traceId(trace),
    spanId: spanId(id),
    name: 'GET /orders',
    kind: 'server',
    startMs: T0,
    endMs: T0 + 10,
    attributes: {},
    ...fields,
  };
}

/** An OTLP export's answer: a partial success, or a google.rpc.Status. */
interface ExportReply {
  code?: number;
  message?: string;
  partialSuccess?: object;
}

async function post(
  body: string | Buffer,
  headers: Record<string, string> = { 'content-type': 'application/json' },
): Promise<{ status: number; body: ExportReply }> {
  const response = await fetch(`${base}/v1/traces`, { method: 'POST', headers, body });
  return { status: response.status, body: (await response.json()) as ExportReply };
}

async function get<T>(path: string): Promise<{ status: number; body: JaegerResponse<T> }> {
  const response = await fetch(`${base}${path}`);
  assert.equal(response.headers.get('content-type'), 'application/json');
  return { status: response.status, body: (await response.json()) as JaegerResponse<T> };
}

describe('trace receiver', () => {
  it('takes an OTLP/JSON export and serves the trace back by id, in Jaeger form', async () => {
    const gateway = toOtlp('gateway', [
      record(1, 1, { name: 'GET /api', endMs: T0 + 40, attributes: { 'http.status_code': 200 } }),
    ]);
    const orders = toOtlp('orders', [
      record(1, 2, { parentSpanId: spanId(1), startMs: T0 + 5, endMs: T0 + 25, error: 'db down' }),
    ]);
    assert.deepEqual(await post(JSON.stringify(gateway)), {
      status: 200,
      body: { partialSuccess: {} },
    });
    assert.deepEqual(await post(JSON.stringify(orders)), {
      status: 200,
      body: { partialSuccess: {} },
    });

    const { status, body } = await get<JaegerTrace[]>(`/api/traces/${traceId(1)}`);
    assert.equal(status, 200);
    assert.equal(body.errors, null);
    const [trace] = body.data;
    assert.deepEqual(trace!.processes, {
      p1: { serviceName: 'gateway', tags: [] },
      p2: { serviceName: 'orders', tags: [] },
    });
    assert.deepEqual(
      trace!.spans.map((s) => [s.operationName, s.processID, s.startTime - T0 * 1000, s.duration]),
      [
        ['GET /api', 'p1', 0, 40_000],
        ['GET /orders', 'p2', 5_000, 20_000],
      ],
    );
    assert.deepEqual(trace!.spans[1]!.references, [
      { refType: 'CHILD_OF', traceID: traceId(1), spanID: spanId(1) },
    ]);
    assert.ok(trace!.spans[1]!.tags.some((t) => t.key === 'error' && t.value === true));
    // A 64-bit id, as older Jaeger clients write it, finds the same trace.
    const short = await get<JaegerTrace[]>(`/api/traces/${traceId(1).slice(16)}`);
    assert.equal(short.body.data[0]?.traceID, traceId(1));
  });

  it('searches by service, newest first, and by the slowest with sort=slowest', async () => {
    await post(
      JSON.stringify(
        toOtlp('orders', [
          record(2, 3, { startMs: T0 + 1_000, endMs: T0 + 1_100 }),
          record(3, 4, { startMs: T0 + 2_000, endMs: T0 + 2_001, name: 'GET /orders/{id}' }),
        ]),
      ),
    );
    const newest = await get<JaegerTrace[]>('/api/traces?service=orders&limit=10');
    assert.deepEqual(
      newest.body.data.map((t) => t.traceID),
      [3, 2, 1].map(traceId),
    );
    const slowest = await get<JaegerTrace[]>('/api/traces?service=orders&limit=2&sort=slowest');
    assert.deepEqual(
      slowest.body.data.map((t) => t.traceID),
      [2, 1].map(traceId),
    );
    const slow = await get<JaegerTrace[]>('/api/traces?service=orders&minDuration=50ms');
    assert.deepEqual(
      slow.body.data.map((t) => t.traceID),
      [traceId(2)],
    );
    const byOperation = await get<JaegerTrace[]>(
      '/api/traces?service=orders&operation=GET%20%2Forders%2F%7Bid%7D',
    );
    assert.deepEqual(
      byOperation.body.data.map((t) => t.traceID),
      [traceId(3)],
    );
    const byIds = await get<JaegerTrace[]>(
      `/api/traces?traceID=${traceId(2)}&traceID=${traceId(9)}`,
    );
    assert.deepEqual(
      byIds.body.data.map((t) => t.traceID),
      [traceId(2)],
    );
  });

  it('lists services and their operations', async () => {
    assert.deepEqual((await get<string[]>('/api/services')).body, {
      data: ['gateway', 'orders'],
      total: 2,
      limit: 0,
      offset: 0,
      errors: null,
    });
    assert.deepEqual((await get<string[]>('/api/services/orders/operations')).body.data, [
      'GET /orders',
      'GET /orders/{id}',
    ]);
    assert.deepEqual((await get<unknown[]>('/api/operations?service=gateway')).body.data, [
      { name: 'GET /api', spanKind: 'server' },
    ]);
    assert.equal((await get('/api/operations')).status, 400);
  });

  it('answers 404 for a trace it does not hold and 400 for an id that is not one', async () => {
    assert.deepEqual(await get(`/api/traces/${traceId(404)}`), {
      status: 404,
      body: {
        data: [],
        total: 0,
        limit: 0,
        offset: 0,
        errors: [{ code: 404, msg: 'trace not found' }],
      },
    });
    const bad = await get('/api/traces/not-hex');
    assert.equal(bad.status, 400);
    assert.match(bad.body.errors![0]!.msg, /expected up to 32 hex digits/);
    const query = await get('/api/traces?limit=0');
    assert.equal(query.status, 400);
    assert.match(query.body.errors![0]!.msg, /^limit: /);
    const path = await get('/api/nothing');
    assert.equal(path.status, 404);
    assert.match(
      path.body.errors![0]!.msg,
      /no such path: \/api\/nothing; served here: POST \/v1\/traces/,
    );
  });

  it('refuses a body that is not JSON, or not an export request, with 400 and the reason', async () => {
    const notJson = await post('{"resourceSpans": [');
    assert.equal(notJson.status, 400);
    assert.equal(notJson.body.code, 3);
    assert.match(notJson.body.message!, /^the body is not JSON: /);
    const shape = await post(JSON.stringify({ spans: [] }));
    assert.equal(shape.status, 400);
    assert.match(shape.body.message!, /expected an ExportTraceServiceRequest/);
    const badId = JSON.parse(JSON.stringify(toOtlp('orders', [record(5, 5)])));
    badId.resourceSpans[0].scopeSpans[0].spans[0].traceId = 'xyz';
    const id = await post(JSON.stringify(badId));
    assert.equal(id.status, 400);
    assert.match(id.body.message!, /resourceSpans\[0\]\.scopeSpans\[0\]\.spans\[0\]\.traceId/);
  });

  it('refuses protobuf and other media types with 415', async () => {
    const protobuf = await post(Buffer.from([0x0a, 0x00]), {
      'content-type': 'application/x-protobuf',
    });
    assert.equal(protobuf.status, 415);
    assert.match(protobuf.body.message!, /only OTLP\/JSON is accepted/);
    const text = await post('{}', { 'content-type': 'text/plain' });
    assert.equal(text.status, 415);
    assert.match(text.body.message!, /content-type "text\/plain" is not accepted/);
    const brotli = await post('{}', {
      'content-type': 'application/json',
      'content-encoding': 'br',
    });
    assert.equal(brotli.status, 415);
  });

  it('refuses a body over the limit with 413, whether its length is declared or not', async () => {
    const big = JSON.stringify({ resourceSpans: [], pad: 'x'.repeat(MAX_BODY) });
    const declared = await post(big);
    assert.equal(declared.status, 413);
    assert.match(declared.body.message!, new RegExp(`larger than the ${MAX_BODY} bytes`));
    const chunked = await new Promise<number>((resolve, reject) => {
      const req = http.request(
        `${base}/v1/traces`,
        { method: 'POST', headers: { 'content-type': 'application/json' } },
        (res) => {
          res.resume();
          resolve(res.statusCode!);
        },
      );
      req.on('error', reject);
      // Written in pieces with no content-length: the cap must hold while reading.
      for (let i = 0; i < 8; i++) req.write('x'.repeat(MAX_BODY / 4));
      req.end();
    });
    assert.equal(chunked, 413);
    // Small on the wire, over the limit once unpacked.
    const bomb = await post(gzipSync(big), {
      'content-type': 'application/json',
      'content-encoding': 'gzip',
    });
    assert.equal(bomb.status, 413);
  });

  it('takes a gzipped export, and reports spans it did not keep as a partial success', async () => {
    const spans = [1, 2, 3, 4].map((n) => record(6, 60 + n));
    const packed = gzipSync(JSON.stringify(toOtlp('billing', spans)));
    const first = await post(packed, {
      'content-type': 'application/json',
      'content-encoding': 'gzip',
    });
    assert.equal(first.status, 200);
    assert.deepEqual(first.body.partialSuccess, {
      rejectedSpans: 1,
      errorMessage: '1 spans not kept: sent before, or past the 3 kept per trace',
    });
    assert.equal(receiver.store.trace(traceId(6))?.spans.length, 3);
  });

  it('refuses other methods: the query API is read-only', async () => {
    const put = await fetch(`${base}/api/traces`, { method: 'DELETE' });
    assert.equal(put.status, 405);
    assert.equal(put.headers.get('allow'), 'GET, HEAD');
    const getExport = await fetch(`${base}/v1/traces`);
    assert.equal(getExport.status, 405);
    assert.equal(getExport.headers.get('allow'), 'POST');
  });

  it('reports spans, drops, refusals and traces held on the registry', () => {
    const text = registry.expose();
    const stats = receiver.store.stats();
    assert.match(text, new RegExp(`^trace_receiver_spans_total ${stats.received}$`, 'm'));
    assert.match(text, /^trace_receiver_dropped_spans_total\{reason="trace-full"\} 1$/m);
    assert.match(text, /^trace_receiver_dropped_spans_total\{reason="duplicate"\} 0$/m);
    assert.match(text, new RegExp(`^trace_receiver_traces ${stats.traces}$`, 'm'));
    assert.match(text, new RegExp(`^trace_receiver_bytes ${stats.bytes}$`, 'm'));
    assert.match(text, /^trace_receiver_requests_refused_total\{reason="bad-request"\} 3$/m);
    assert.match(
      text,
      /^trace_receiver_requests_refused_total\{reason="unsupported-media-type"\} 3$/m,
    );
    assert.match(text, /^trace_receiver_requests_refused_total\{reason="too-large"\} 3$/m);
    assert.equal(stats.traces, 4);
    assert.ok(log.lines.some((l) => l.msg === 'trace receiver listening'));
  });
});
