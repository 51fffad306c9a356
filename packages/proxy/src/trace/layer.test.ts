import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type SpanRecord, Tracer } from '@fusion/telemetry';
import { ProxyError } from '../errors/proxy-error.ts';
import { emptyResponse, type HttpHandler } from '../http/message.ts';
import { fakeRequest, recordingHandler } from '../inbound/testing/stubs.ts';
import { traceFields, traceLayer } from './layer.ts';

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const CALLER_SPAN = '00f067aa0ba902b7';

function traced(options: { startTraces?: boolean; sampling?: number; inner?: HttpHandler } = {}) {
  const spans: SpanRecord[] = [];
  const tracer = new Tracer({
    sampling: options.sampling ?? 1,
    sink: { add: (s) => spans.push(s) },
  });
  const recording = recordingHandler();
  const handle = traceLayer({
    tracer,
    direction: 'inbound',
    startTraces: options.startTraces ?? false,
  })(options.inner ?? recording.handler);
  // The span ends when the response's trailers settle: a turn after the answer.
  const settle = () => new Promise(setImmediate);
  return { spans, handle, received: recording.received, settle };
}

describe('the sidecar trace layer', () => {
  it('makes a server span the child of the caller’s, and sends on a traceparent naming it', async () => {
    const t = traced();
    const request = fakeRequest({
      traceparent: `00-${TRACE}-${CALLER_SPAN}-01`,
      tracestate: 'k=v',
    });
    assert.equal((await t.handle({ ...request, path: '/users/7?x=1' })).status, 200);
    await t.settle();
    assert.equal(t.spans.length, 1);
    const [span] = t.spans as [SpanRecord];
    assert.equal(span.traceId, TRACE);
    assert.equal(span.parentSpanId, CALLER_SPAN);
    assert.equal(span.kind, 'server');
    assert.equal(span.name, 'GET /users/7');
    assert.equal(span.attributes['http.response.status_code'], 200);
    assert.ok(span.endMs >= span.startMs);
    const sent = t.received[0]!.headers;
    assert.equal(sent.get('traceparent'), `00-${TRACE}-${span.spanId}-01`);
    assert.equal(sent.get('tracestate'), 'k=v');
  });

  it('follows an unsampled caller: no span kept, the decision passed on', async () => {
    const t = traced();
    await t.handle(fakeRequest({ traceparent: `00-${TRACE}-${CALLER_SPAN}-00` }));
    await t.settle();
    assert.deepEqual(t.spans, []);
    const sent = t.received[0]!.headers.get('traceparent')!;
    assert.match(sent, new RegExp(`^00-${TRACE}-[0-9a-f]{16}-00$`));
    assert.notEqual(sent.split('-')[2], CALLER_SPAN);
  });

  it('leaves a request without context untouched unless it is the mesh’s entry point', async () => {
    const plain = traced();
    const request = fakeRequest();
    await plain.handle(request);
    assert.equal(plain.received[0], request, 'the very same request');
    assert.equal(request.headers.get('traceparent'), undefined);
    const entry = traced({ startTraces: true });
    await entry.handle(fakeRequest());
    await entry.settle();
    assert.equal(entry.spans.length, 1);
    assert.equal(entry.spans[0]!.parentSpanId, undefined, 'a root span');
    // An entry point sampling a share: the ones not kept still carry an unsampled context on.
    const tenth = traced({ startTraces: true, sampling: 0.1 });
    for (let i = 0; i < 50; i++) await tenth.handle(fakeRequest());
    assert.ok(tenth.received.every((r) => r.headers.get('traceparent') !== undefined));
    // Sampling nothing, it starts nothing: requests cross untouched.
    const none = traced({ startTraces: true, sampling: 0 });
    await none.handle(fakeRequest());
    assert.equal(none.received[0]!.headers.get('traceparent'), undefined);
  });

  it('reads B3 and sends one traceparent instead', async () => {
    const t = traced();
    await t.handle(fakeRequest({ b3: `${TRACE}-${CALLER_SPAN}-1`, 'x-b3-sampled': '1' }));
    await t.settle();
    assert.equal(t.spans[0]!.parentSpanId, CALLER_SPAN);
    const sent = t.received[0]!.headers;
    assert.equal(sent.get('b3'), undefined);
    assert.equal(sent.get('x-b3-sampled'), undefined);
    assert.match(sent.get('traceparent')!, new RegExp(`^00-${TRACE}-`));
  });

  it('marks a span failed by a 5xx or by the proxy error that ended the request', async () => {
    const failing = traced({ inner: async () => emptyResponse(503) });
    await failing.handle(fakeRequest({ traceparent: `00-${TRACE}-${CALLER_SPAN}-01` }));
    await failing.settle();
    assert.equal(failing.spans[0]!.error, 'HTTP 503');
    const refused = traced({
      inner: async () => {
        throw new ProxyError('FAIL_FAST', 'no endpoint is ready');
      },
    });
    await assert.rejects(
      refused.handle(fakeRequest({ traceparent: `00-${TRACE}-${CALLER_SPAN}-01` })),
    );
    assert.equal(refused.spans[0]!.error, 'no endpoint is ready');
    assert.equal(refused.spans[0]!.attributes['l5d.proxy_error'], 'FAIL_FAST');
  });

  it('gives a failure log line the trace ids the request carries on from this sidecar', async () => {
    const t = traced();
    const request = fakeRequest({ traceparent: `00-${TRACE}-${CALLER_SPAN}-01` });
    await t.handle(request);
    await t.settle();
    // The layer rewrote the request's context to its own span: that is what a log line names.
    assert.deepEqual(traceFields(request), { trace_id: TRACE, span_id: t.spans[0]!.spanId });
    assert.deepEqual(traceFields(fakeRequest()), {});
  });
});
