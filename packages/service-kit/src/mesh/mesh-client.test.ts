import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { type SpanRecord, Tracer } from '@fusion/telemetry';
import { DEADLINE_HEADER, runWithDeadline } from '../deadline/index.ts';
import { runWithSpanContext } from '../tracing/index.ts';
import { MeshError, UnknownServiceError } from './errors.ts';
import { createMeshClient } from './mesh-client.ts';

interface Seen {
  method: string;
  url: string;
  host: string;
  body: string;
  header: string | undefined;
  /** The fusion-timeout-ms it carried. */
  deadline: string | undefined;
  traceparent: string | undefined;
  tracestate: string | undefined;
}

/** A server that records what it received and answers with a JSON echo; `/hang` never answers. */
async function recordingServer() {
  const seen: Seen[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => {
      body += chunk;
    });
    req.on('end', () => {
      seen.push({
        method: req.method ?? '',
        url: req.url ?? '',
        host: req.headers.host ?? '',
        body,
        header: req.headers['x-test'] as string | undefined,
        deadline: req.headers[DEADLINE_HEADER] as string | undefined,
        traceparent: req.headers.traceparent as string | undefined,
        tracestate: req.headers.tracestate as string | undefined,
      });
      if (req.url === '/hang') return;
      if (req.url === '/empty') {
        res.writeHead(204).end();
        return;
      }
      res.writeHead(201, { 'content-type': 'application/json', 'x-reply': 'yes' });
      res.end(JSON.stringify({ echoed: body }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { server, seen, url };
}

describe('mesh client', () => {
  let target: Awaited<ReturnType<typeof recordingServer>>;
  before(async () => {
    target = await recordingServer();
  });
  after(() => {
    target.server.closeAllConnections();
    target.server.close();
  });

  it('resolves a service through FUSION_MESH_ENDPOINTS and calls it directly', async () => {
    const mesh = createMeshClient({ endpoints: { identity: `${target.url}/` } });
    const res = await mesh.fetch('identity', '/users?limit=1', {
      method: 'POST',
      body: 'hello',
      headers: { 'x-test': 'direct' },
    });
    assert.equal(res.status, 201);
    assert.deepEqual(await res.json(), { echoed: 'hello' });
    const last = target.seen.at(-1)!;
    assert.equal(last.url, '/users?limit=1');
    assert.equal(last.host, new URL(target.url).host);
    assert.equal(last.header, 'direct');
  });

  it('sends to the outbound proxy with Host: <service> when FUSION_MESH_OUTBOUND is set', async () => {
    const mesh = createMeshClient({ outbound: target.url, dependencies: ['identity'] });
    try {
      const res = await mesh.fetch('identity', '/health?deep=1', {
        method: 'PUT',
        body: 'via proxy',
        headers: { 'x-test': 'outbound' },
      });
      assert.equal(res.status, 201);
      assert.equal(res.headers.get('x-reply'), 'yes');
      assert.deepEqual(await res.json(), { echoed: 'via proxy' });
      const last = target.seen.at(-1)!;
      assert.deepEqual(last, {
        method: 'PUT',
        url: '/health?deep=1',
        host: 'identity',
        body: 'via proxy',
        header: 'outbound',
        deadline: undefined,
        traceparent: undefined,
        tracestate: undefined,
      });
      const empty = await mesh.fetch('identity', '/empty');
      assert.equal(empty.status, 204);
      assert.equal(await empty.text(), '');
    } finally {
      mesh.close();
    }
  });

  it('rejects an unknown service with its name and the known ones', async () => {
    const mesh = createMeshClient({ endpoints: { identity: target.url, 'ai-kernel': target.url } });
    await assert.rejects(mesh.fetch('billing', '/x'), (error) => {
      assert.ok(error instanceof UnknownServiceError);
      assert.equal(error.code, 'FUSION_ERR_MESH_UNKNOWN_SERVICE');
      assert.equal(error.service, 'billing');
      assert.deepEqual(error.known, ['ai-kernel', 'identity']);
      assert.equal(
        error.message,
        'unknown service "billing" (known services: ai-kernel, identity)',
      );
      return true;
    });
    const viaProxy = createMeshClient({ outbound: target.url, dependencies: ['identity'] });
    await assert.rejects(viaProxy.fetch('billing', '/x'), UnknownServiceError);
    viaProxy.close();
    assert.deepEqual(mesh.knownServices, ['ai-kernel', 'identity']);
  });

  it('gives up after the per-call timeout, on both paths', async () => {
    const direct = createMeshClient({ endpoints: { slow: target.url } });
    await assert.rejects(direct.fetch('slow', '/hang', { timeoutMs: 50 }), (error) => {
      assert.ok(error instanceof MeshError);
      assert.equal(error.code, 'FUSION_ERR_MESH_TIMEOUT');
      assert.equal(error.message, 'slow: no response within 50 ms');
      return true;
    });
    const proxied = createMeshClient({ outbound: target.url, dependencies: ['slow'] });
    await assert.rejects(proxied.fetch('slow', '/hang', { timeoutMs: 50 }), {
      code: 'FUSION_ERR_MESH_TIMEOUT',
    });
    proxied.close();
  });

  it('reports a refused connection as unreachable with the reason', async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const mesh = createMeshClient({ endpoints: { gone: `http://127.0.0.1:${port}` } });
    await assert.rejects(mesh.fetch('gone', '/health'), (error) => {
      assert.ok(error instanceof MeshError);
      assert.equal(error.code, 'FUSION_ERR_MESH_UNREACHABLE');
      assert.equal(error.message, 'gone: unreachable (ECONNREFUSED)');
      return true;
    });
  });

  it('refuses a path that does not start with a slash', async () => {
    const mesh = createMeshClient({ endpoints: { identity: target.url } });
    await assert.rejects(mesh.fetch('identity', 'users'), /must start with "\/"/);
  });

  it('sends a bodiless GET again when the sidecar had closed the kept-alive connection; never a POST', async () => {
    // Answers once per connection, then resets it when the next request arrives on it: what a
    // server closing an idle connection looks like to a client that reused it at that moment.
    let requests = 0;
    const server = http.createServer((req, res) => {
      requests++;
      const socket = req.socket as import('node:net').Socket & { answered?: boolean };
      if (socket.answered) {
        socket.resetAndDestroy();
        return;
      }
      socket.answered = true;
      req.resume();
      req.on('end', () => res.end('ok'));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const mesh = createMeshClient({ outbound: url, dependencies: ['identity'] });
    try {
      assert.equal(await (await mesh.fetch('identity', '/a')).text(), 'ok');
      assert.equal(await (await mesh.fetch('identity', '/b')).text(), 'ok', 'retried once');
      assert.equal(requests, 3);
      await assert.rejects(
        mesh.fetch('identity', '/c', { method: 'POST', body: 'once only' }),
        (error: MeshError) => error.code === 'FUSION_ERR_MESH_UNREACHABLE',
      );
    } finally {
      mesh.close();
      server.close();
    }
  });
});

describe('mesh client within a deadline', () => {
  let target: Awaited<ReturnType<typeof recordingServer>>;
  let direct: ReturnType<typeof createMeshClient>;
  let proxied: ReturnType<typeof createMeshClient>;
  before(async () => {
    target = await recordingServer();
    direct = createMeshClient({ endpoints: { identity: target.url } });
    proxied = createMeshClient({ outbound: target.url, dependencies: ['identity'] });
  });
  after(() => {
    proxied.close();
    target.server.closeAllConnections();
    target.server.close();
  });

  /** The budget the recording server saw on the last request, as a number. */
  function lastBudget(): number {
    const header = target.seen.at(-1)?.deadline;
    assert.match(header ?? '', /^\d+$/, 'an integer number of milliseconds');
    return Number(header);
  }

  it('sends what is left of the deadline as fusion-timeout-ms, on both paths', async () => {
    for (const mesh of [direct, proxied]) {
      const res = await runWithDeadline(60_000, () => mesh.fetch('identity', '/users/1'));
      assert.equal(res.status, 201);
      await res.arrayBuffer();
      const budget = lastBudget();
      assert.ok(budget >= 0 && budget <= 60_000, `${budget} is within the caller's budget`);
    }
  });

  it('keeps a smaller fusion-timeout-ms set by the caller and replaces a larger or malformed one', async () => {
    const send = (value: string) =>
      runWithDeadline(60_000, () =>
        direct.fetch('identity', '/x', { headers: { [DEADLINE_HEADER]: value } }),
      ).then((res) => res.arrayBuffer());
    await send('250');
    assert.equal(lastBudget(), 250);
    await send('9999999');
    assert.ok(lastBudget() <= 60_000);
    await send('soon');
    assert.ok(lastBudget() <= 60_000);
  });

  it('fails a call at once, sending nothing, when the deadline has passed', async () => {
    for (const mesh of [direct, proxied]) {
      const before = target.seen.length;
      await assert.rejects(
        runWithDeadline(0, () => mesh.fetch('identity', '/users/1', { method: 'POST', body: 'x' })),
        (error) => {
          assert.ok(error instanceof MeshError);
          assert.equal(error.code, 'FUSION_ERR_MESH_TIMEOUT');
          assert.equal(error.service, 'identity');
          assert.equal(error.message, "identity: not called, the caller's deadline had passed");
          return true;
        },
      );
      assert.equal(target.seen.length, before, 'the server saw nothing');
    }
  });

  it("gives up when the deadline passes before the per-call timeout, and says it was the caller's deadline", async () => {
    for (const mesh of [direct, proxied]) {
      await assert.rejects(
        runWithDeadline(50, () => mesh.fetch('identity', '/hang', { timeoutMs: 60_000 })),
        (error) => {
          assert.ok(error instanceof MeshError);
          assert.equal(error.code, 'FUSION_ERR_MESH_TIMEOUT');
          assert.match(
            error.message,
            /^identity: no response before the caller's deadline \(\d+ ms were left\)$/,
          );
          return true;
        },
      );
    }
  });

  it('gives up at the per-call timeout when it comes before the deadline, and says so', async () => {
    await assert.rejects(
      runWithDeadline(60_000, () => direct.fetch('identity', '/hang', { timeoutMs: 50 })),
      { code: 'FUSION_ERR_MESH_TIMEOUT', message: 'identity: no response within 50 ms' },
    );
  });

  it('lets an abort by the caller through unchanged', async () => {
    const controller = new AbortController();
    const call = runWithDeadline(60_000, () =>
      direct.fetch('identity', '/hang', { signal: controller.signal }),
    );
    controller.abort(new Error('caller gave up'));
    await assert.rejects(call, /caller gave up/);
  });
});

describe('mesh client tracing', () => {
  let target: Awaited<ReturnType<typeof recordingServer>>;
  const spans: SpanRecord[] = [];
  const tracer = new Tracer({ sampling: 1, sink: { add: (span) => spans.push(span) } });
  before(async () => {
    target = await recordingServer();
  });
  after(() => {
    target.server.closeAllConnections();
    target.server.close();
  });

  const caller = {
    traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
    spanId: '00f067aa0ba902b7',
    sampled: true,
    traceState: 'vendor=1',
  };

  it('records a client span under the current context and sends its id as the parent, on both paths', async () => {
    const direct = createMeshClient({ endpoints: { identity: target.url }, tracer });
    const proxied = createMeshClient({ outbound: target.url, dependencies: ['identity'], tracer });
    try {
      for (const mesh of [direct, proxied]) {
        spans.length = 0;
        const res = await runWithSpanContext(caller, () =>
          mesh.fetch('identity', '/users/1?full=1', { method: 'put', body: 'x' }),
        );
        await res.arrayBuffer();
        assert.equal(spans.length, 1);
        const span = spans[0]!;
        assert.equal(span.kind, 'client');
        assert.equal(span.name, 'PUT identity');
        assert.equal(span.traceId, caller.traceId);
        assert.equal(span.parentSpanId, caller.spanId);
        assert.equal(span.error, undefined);
        assert.deepEqual(span.attributes, {
          'peer.service': 'identity',
          'http.request.method': 'PUT',
          'url.path': '/users/1',
          'http.response.status_code': 201,
        });
        const seen = target.seen.at(-1)!;
        assert.equal(seen.traceparent, `00-${caller.traceId}-${span.spanId}-01`);
        assert.equal(seen.tracestate, 'vendor=1');
      }
    } finally {
      proxied.close();
    }
  });

  it('outside a request, starts a trace of its own when it has a tracer, and sends nothing without one', async () => {
    spans.length = 0;
    const traced = createMeshClient({ endpoints: { identity: target.url }, tracer });
    await (await traced.fetch('identity', '/a')).arrayBuffer();
    assert.equal(spans.length, 1);
    assert.equal(spans[0]!.parentSpanId, undefined, 'a root span');
    assert.equal(target.seen.at(-1)!.traceparent, `00-${spans[0]!.traceId}-${spans[0]!.spanId}-01`);

    const untraced = createMeshClient({ endpoints: { identity: target.url } });
    await (await untraced.fetch('identity', '/b')).arrayBuffer();
    assert.equal(target.seen.at(-1)!.traceparent, undefined);
    assert.equal(target.seen.at(-1)!.tracestate, undefined);
  });

  it("without a tracer, passes the request's context on as it came", async () => {
    const mesh = createMeshClient({ endpoints: { identity: target.url } });
    await runWithSpanContext({ ...caller, sampled: false }, async () => {
      await (await mesh.fetch('identity', '/c')).arrayBuffer();
    });
    assert.equal(target.seen.at(-1)!.traceparent, `00-${caller.traceId}-${caller.spanId}-00`);
    assert.equal(target.seen.at(-1)!.tracestate, 'vendor=1');
  });

  it('ends the span of a failed call with the reason', async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const mesh = createMeshClient({ endpoints: { gone: `http://127.0.0.1:${port}` }, tracer });
    spans.length = 0;
    await assert.rejects(
      runWithSpanContext(caller, () => mesh.fetch('gone', '/health')),
      {
        code: 'FUSION_ERR_MESH_UNREACHABLE',
      },
    );
    await assert.rejects(
      runWithSpanContext(caller, () => mesh.fetch('billing', '/x')),
      {
        code: 'FUSION_ERR_MESH_UNKNOWN_SERVICE',
      },
    );
    assert.deepEqual(
      spans.map((span) => [span.name, span.error, span.attributes['http.response.status_code']]),
      [
        ['GET gone', 'gone: unreachable (ECONNREFUSED)', undefined],
        ['GET billing', 'unknown service "billing" (known services: gone)', undefined],
      ],
    );
  });
});
