import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { fromOtlp, type ReceivedSpan, type SpanRecord, type SpanSink } from '@fusion/telemetry';
import { currentSpanContext } from '../tracing/index.ts';
import type { ServiceApp, ServiceOptions } from './context.ts';
import { createService } from './create-service.ts';

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const CALLER_SPAN = '00f067aa0ba902b7';
const sampled = `00-${TRACE}-${CALLER_SPAN}-01`;
const unsampled = `00-${TRACE}-${CALLER_SPAN}-00`;

/** A downstream service that records the trace headers of every request. */
async function recordingServer() {
  const seen: { traceparent: string | undefined; tracestate: string | undefined }[] = [];
  const server = http.createServer((req, res) => {
    const header = (name: string) => req.headers[name] as string | undefined;
    seen.push({ traceparent: header('traceparent'), tracestate: header('tracestate') });
    res.end('ok');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { server, seen, url };
}

type Downstream = Awaited<ReturnType<typeof recordingServer>>;

interface Traced {
  app: ServiceApp;
  spans: SpanRecord[];
  logs: Record<string, unknown>[];
}

/** The service under test; `sink` undefined builds it as without OTEL_EXPORTER_OTLP_ENDPOINT. */
async function tracedService(
  downstream: Downstream,
  sink: 'collect' | undefined,
  env: Record<string, string> = {},
): Promise<Traced> {
  const spans: SpanRecord[] = [];
  const logs: Record<string, unknown>[] = [];
  const spanSink: SpanSink = { add: (span) => spans.push(span) };
  const options: ServiceOptions = {
    name: 'kit-test',
    version: '1.0.0',
    env: {
      PORT: '18999',
      LOG_LEVEL: 'debug',
      FUSION_MESH_ENDPOINTS: JSON.stringify({ downstream: downstream.url }),
      ...env,
    },
    logDestination: {
      write(chunk: string) {
        for (const line of chunk.split('\n')) if (line) logs.push(JSON.parse(line));
      },
    },
    ...(sink === 'collect' && { spanSink }),
    routes: (app, ctx) => {
      app.get('/hello', async (request) => {
        request.log.info('hello from the handler');
        return { context: currentSpanContext() ?? null };
      });
      app.get('/call', async () => {
        const res = await ctx.mesh.fetch('downstream', '/work?page=2');
        await res.arrayBuffer();
        return { context: currentSpanContext() ?? null };
      });
      app.get('/fail', async () => {
        throw new Error('the model is not loaded');
      });
    },
  };
  return { app: await createService(options), spans, logs };
}

const byKind = (spans: SpanRecord[], kind: SpanRecord['kind']) =>
  spans.filter((span) => span.kind === kind);

describe('request tracing with a tracer', () => {
  let downstream: Downstream;
  let traced: Traced;
  before(async () => {
    downstream = await recordingServer();
    traced = await tracedService(downstream, 'collect');
  });
  after(async () => {
    await traced.app.close();
    downstream.server.closeAllConnections();
    downstream.server.close();
  });

  /** Runs one request with fresh records of spans and log lines. */
  async function request(url: string, headers: Record<string, string> = {}) {
    traced.spans.length = 0;
    traced.logs.length = 0;
    return traced.app.inject({ url, headers });
  }

  it("makes the server span a child of the caller's and runs the handler in its context", async () => {
    const res = await request('/hello?name=x', { traceparent: sampled, tracestate: 'vendor=1' });
    assert.equal(res.statusCode, 200);
    const [server] = traced.spans;
    assert.equal(traced.spans.length, 1);
    assert.equal(server!.kind, 'server');
    assert.equal(server!.name, 'GET /hello');
    assert.equal(server!.traceId, TRACE);
    assert.equal(server!.parentSpanId, CALLER_SPAN);
    assert.equal(server!.error, undefined);
    assert.deepEqual(server!.attributes, {
      'http.request.method': 'GET',
      'url.path': '/hello',
      'http.route': '/hello',
      'http.response.status_code': 200,
    });
    assert.deepEqual(res.json().context, {
      traceId: TRACE,
      spanId: server!.spanId,
      sampled: true,
      traceState: 'vendor=1',
    });
  });

  it("sends a mesh call with its client span's id as the parent; the client span is the server span's child", async () => {
    await request('/call', { traceparent: sampled });
    const [client] = byKind(traced.spans, 'client');
    const [server] = byKind(traced.spans, 'server');
    assert.equal(traced.spans.length, 2);
    assert.equal(client!.name, 'GET downstream');
    assert.equal(client!.traceId, TRACE);
    assert.equal(client!.parentSpanId, server!.spanId);
    assert.deepEqual(client!.attributes, {
      'peer.service': 'downstream',
      'http.request.method': 'GET',
      'url.path': '/work',
      'http.response.status_code': 200,
    });
    assert.equal(downstream.seen.at(-1)!.traceparent, `00-${TRACE}-${client!.spanId}-01`);
  });

  it("honours a caller's decision not to sample: nothing recorded, the decision passed on", async () => {
    const res = await request('/call', { traceparent: unsampled });
    assert.equal(res.statusCode, 200);
    assert.deepEqual(traced.spans, []);
    const sent = downstream.seen.at(-1)!.traceparent ?? '';
    assert.match(sent, new RegExp(`^00-${TRACE}-[0-9a-f]{16}-00$`));
    assert.notEqual(sent, unsampled, "the caller's span is not the downstream's parent");
  });

  it('accepts B3, single-header and multi-header, with a 64-bit trace id', async () => {
    await request('/hello', { b3: `${TRACE}-${CALLER_SPAN}-1` });
    assert.equal(traced.spans[0]!.traceId, TRACE);
    assert.equal(traced.spans[0]!.parentSpanId, CALLER_SPAN);
    await request('/hello', {
      'x-b3-traceid': 'a3ce929d0e0e4736',
      'x-b3-spanid': CALLER_SPAN,
      'x-b3-sampled': '1',
    });
    assert.equal(traced.spans[0]!.traceId, '0000000000000000a3ce929d0e0e4736');
    assert.equal(traced.spans[0]!.parentSpanId, CALLER_SPAN);
    await request('/hello', { b3: `${TRACE}-${CALLER_SPAN}-0` });
    assert.deepEqual(traced.spans, [], 'B3 sampled=0 is honoured too');
  });

  it("puts the trace_id and span_id on the request's log lines", async () => {
    await request('/hello', { traceparent: sampled });
    const spanId = traced.spans[0]!.spanId;
    const lines = traced.logs.filter((line) => line.req_id !== undefined);
    assert.deepEqual(
      lines.map((line) => [line.msg, line.trace_id, line.span_id]),
      [
        ['hello from the handler', TRACE, spanId],
        ['request completed', TRACE, spanId],
      ],
    );
  });

  it('starts a trace for a request that came without one; a probe or a scrape starts none', async () => {
    const res = await request('/hello');
    const [root] = traced.spans;
    assert.equal(traced.spans.length, 1);
    assert.equal(root!.parentSpanId, undefined);
    assert.equal(res.json().context.traceId, root!.traceId);
    assert.equal(traced.logs.at(-1)!.trace_id, root!.traceId);
    for (const probe of ['/health', '/ready', '/metrics']) {
      await request(probe);
      assert.deepEqual(traced.spans, [], `${probe} is not traced`);
      assert.equal(traced.logs.at(-1)!.trace_id, undefined);
    }
    await request('/health', { traceparent: sampled });
    assert.equal(traced.spans[0]!.name, 'GET /health', 'unless a caller traces it');
  });

  it("marks a 5xx's span failed with the thrown error's message; a 404's span is named unmatched", async () => {
    assert.equal((await request('/fail', { traceparent: sampled })).statusCode, 500);
    assert.equal(traced.spans[0]!.error, 'the model is not loaded');
    assert.equal(traced.spans[0]!.attributes['http.response.status_code'], 500);

    assert.equal((await request('/nowhere?x=1', { traceparent: sampled })).statusCode, 404);
    const [unmatched] = traced.spans;
    assert.equal(unmatched!.name, 'GET unmatched');
    assert.equal(unmatched!.error, undefined);
    assert.deepEqual(unmatched!.attributes, {
      'http.request.method': 'GET',
      'url.path': '/nowhere',
      'http.response.status_code': 404,
    });
  });
});

describe('request tracing without a tracer (no OTEL_EXPORTER_OTLP_ENDPOINT)', () => {
  let downstream: Downstream;
  let traced: Traced;
  before(async () => {
    downstream = await recordingServer();
    traced = await tracedService(downstream, undefined);
  });
  after(async () => {
    await traced.app.close();
    downstream.server.closeAllConnections();
    downstream.server.close();
  });

  it("passes the caller's traceparent and tracestate on unchanged", async () => {
    for (const traceparent of [sampled, unsampled]) {
      const res = await traced.app.inject({
        url: '/call',
        headers: { traceparent, tracestate: 'vendor=1' },
      });
      assert.equal(res.statusCode, 200);
      assert.deepEqual(downstream.seen.at(-1), { traceparent, tracestate: 'vendor=1' });
    }
    await traced.app.inject('/call');
    assert.deepEqual(downstream.seen.at(-1), { traceparent: undefined, tracestate: undefined });
  });

  it("puts the caller's ids on the request's log lines, and none without a context", async () => {
    traced.logs.length = 0;
    await traced.app.inject({ url: '/hello', headers: { traceparent: sampled } });
    await traced.app.inject('/hello');
    assert.deepEqual(
      traced.logs.map((line) => [line.msg, line.trace_id, line.span_id]),
      [
        ['hello from the handler', TRACE, CALLER_SPAN],
        ['request completed', TRACE, CALLER_SPAN],
        ['hello from the handler', undefined, undefined],
        ['request completed', undefined, undefined],
      ],
    );
  });
});

describe('span export', () => {
  it('sends the spans still waiting to OTEL_EXPORTER_OTLP_ENDPOINT when the app closes', async () => {
    const bodies: { url: string | undefined; spans: ReceivedSpan[] }[] = [];
    const collector = http.createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => {
        body += chunk;
      });
      req.on('end', () => {
        bodies.push({ url: req.url, spans: fromOtlp(JSON.parse(body)) });
        res.end('{}');
      });
    });
    await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
    const endpoint = `http://127.0.0.1:${(collector.address() as AddressInfo).port}`;
    const downstream = await recordingServer();
    try {
      const traced = await tracedService(downstream, undefined, {
        OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
      });
      await traced.app.inject({ url: '/hello', headers: { traceparent: sampled } });
      assert.equal(bodies.length, 0, 'batched: nothing sent per request');
      await traced.app.close();
      assert.equal(bodies.length, 1);
      const { url, spans } = bodies[0]!;
      assert.equal(url, '/v1/traces');
      assert.deepEqual(
        spans.map((span) => [span.service, span.name, span.traceId]),
        [['kit-test', 'GET /hello', TRACE]],
      );
    } finally {
      collector.close();
      downstream.server.close();
    }
  });
});
