import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BatchExporter } from './exporter.ts';
import { fromOtlp, toOtlp } from './otlp.ts';
import { type SpanRecord, sampledRoot, Tracer } from './tracer.ts';

const span = (i: number): SpanRecord => ({
  traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
  spanId: `00f067aa0ba902${String(i).padStart(2, '0')}`,
  parentSpanId: '00f067aa0ba90201',
  name: 'GET /v1/whoami',
  kind: 'server',
  startMs: 1_796_000_000_123.456,
  endMs: 1_796_000_000_125.5,
  attributes: { 'http.response.status_code': 200, 'url.path': '/v1/whoami', ratio: 0.5, ok: true },
});

describe('OTLP/JSON', () => {
  it('encodes spans as the spec says (hex ids, nanosecond strings, enum numbers) and reads them back', () => {
    const request = toOtlp('identity', [span(2), { ...span(3), error: 'HTTP 503' }]);
    const encoded = request.resourceSpans[0]!.scopeSpans[0]!.spans[0]!;
    assert.equal(encoded.kind, 2);
    assert.equal(encoded.startTimeUnixNano, '1796000000123456000');
    assert.deepEqual(encoded.status, { code: 1 });
    assert.deepEqual(encoded.attributes[0], {
      key: 'http.response.status_code',
      value: { intValue: '200' },
    });
    const back = fromOtlp(JSON.parse(JSON.stringify(request)));
    assert.equal(back.length, 2);
    assert.equal(back[0]!.service, 'identity');
    assert.equal(back[0]!.parentSpanId, '00f067aa0ba90201');
    assert.equal(back[0]!.attributes.ratio, 0.5);
    assert.equal(back[0]!.attributes.ok, true);
    assert.ok(Math.abs(back[0]!.startMs - 1_796_000_000_123.456) < 0.001);
    assert.equal(back[1]!.error, 'HTTP 503');
  });

  it('names what is wrong in a request it cannot read', () => {
    assert.throws(() => fromOtlp({}), /resourceSpans/);
    const bad = toOtlp('identity', [span(2)]);
    bad.resourceSpans[0]!.scopeSpans[0]!.spans[0]!.traceId = 'xyz';
    assert.throws(() => fromOtlp(bad), /resourceSpans\[0\]\.scopeSpans\[0\]\.spans\[0\]\.traceId/);
  });
});

describe('BatchExporter', () => {
  const recorder = () => {
    const posts: { url: string; spans: number }[] = [];
    const fetchStub = (async (url: string, init: RequestInit) => {
      const body = JSON.parse(String(init.body));
      posts.push({ url, spans: body.resourceSpans[0].scopeSpans[0].spans.length });
      return new Response('{}', { status: 200 });
    }) as typeof fetch;
    return { posts, fetchStub };
  };

  it('sends a full batch at once, the rest when asked, to /v1/traces as JSON', async () => {
    const { posts, fetchStub } = recorder();
    const exporter = new BatchExporter({
      endpoint: 'http://collector:4318/',
      service: 'identity-proxy',
      maxBatch: 3,
      fetch: fetchStub,
    });
    for (let i = 0; i < 4; i++) exporter.add(span(i));
    assert.deepEqual(
      posts.map((p) => p.spans),
      [3],
      'the full batch left without waiting',
    );
    await exporter.flush();
    assert.deepEqual(
      posts.map((p) => p.spans),
      [3, 1],
    );
    assert.ok(posts.every((p) => p.url === 'http://collector:4318/v1/traces'));
    assert.deepEqual(exporter.stats, { sent: 4, dropped: 0, failedBatches: 0 });
  });

  it('drops (and counts) spans past its queue rather than wait', async () => {
    const { posts, fetchStub } = recorder();
    const exporter = new BatchExporter({
      endpoint: 'http://collector:4318',
      service: 'identity-proxy',
      maxQueue: 5,
      maxBatch: 100,
      fetch: fetchStub,
    });
    for (let i = 0; i < 7; i++) exporter.add(span(i));
    await exporter.flush();
    assert.deepEqual(
      posts.map((p) => p.spans),
      [5],
    );
    assert.deepEqual(exporter.stats, { sent: 5, dropped: 2, failedBatches: 0 });
  });

  it('counts a collector that refuses or is down, and throws nothing', async () => {
    let calls = 0;
    const exporter = new BatchExporter({
      endpoint: 'http://collector:4318',
      service: 's',
      fetch: (async () => {
        calls += 1;
        if (calls === 1) return new Response('no', { status: 503 });
        throw new Error('ECONNREFUSED');
      }) as typeof fetch,
    });
    exporter.add(span(1));
    await exporter.flush();
    exporter.add(span(2));
    await exporter.flush();
    assert.deepEqual(exporter.stats, { sent: 0, dropped: 0, failedBatches: 2 });
  });
});

describe('Tracer', () => {
  it('honours the parent’s decision and samples new traces by their id at its ratio', () => {
    const spans: SpanRecord[] = [];
    const never = new Tracer({ sampling: 0, sink: { add: (s) => spans.push(s) } });
    const parent = {
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
      spanId: '00f067aa0ba902b7',
      sampled: true,
    };
    never.startSpan('child', 'client', parent).end();
    never.startSpan('root', 'client', undefined).end();
    assert.deepEqual(
      spans.map((s) => s.name),
      ['child'],
    );
    // 10,000 trace ids spread evenly over the 56 bits the decision reads (the middle of each of
    // 10,000 equal slices): exactly a tenth kept.
    let kept = 0;
    for (let i = 0n; i < 10_000n; i++) {
      const prefix = (((2n * i + 1n) * 2n ** 56n) / 20_000n).toString(16).padStart(14, '0');
      if (sampledRoot(`${prefix}${'1'.repeat(18)}`, 0.1)) kept += 1;
    }
    assert.equal(kept, 1000);
  });
});
