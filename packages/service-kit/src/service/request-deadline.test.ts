import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { currentDeadline, DEADLINE_HEADER } from '../deadline/index.ts';
import { MeshError } from '../mesh/index.ts';
import type { ServiceApp, ServiceContext } from './context.ts';
import { createService } from './create-service.ts';

/** A downstream service that records the path and fusion-timeout-ms of every request. */
async function recordingServer() {
  const seen: { url: string; deadline: string | undefined }[] = [];
  const server = http.createServer((req, res) => {
    seen.push({ url: req.url ?? '', deadline: req.headers[DEADLINE_HEADER] as string | undefined });
    res.end('ok');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { server, seen, url };
}

function aborted(signal: AbortSignal): Promise<unknown> {
  if (signal.aborted) return Promise.resolve(signal.reason);
  return new Promise((resolve) =>
    signal.addEventListener('abort', () => resolve(signal.reason), { once: true }),
  );
}

/** What a handler reports about the deadline it runs in. */
function describeDeadline(ctx: ServiceContext) {
  const deadline = ctx.currentDeadline();
  assert.equal(deadline, currentDeadline(), 'ctx.currentDeadline is currentDeadline');
  return deadline === undefined
    ? { deadline: null }
    : { remainingMs: deadline.remainingMs(), aborted: deadline.signal.aborted };
}

/** Resolves once `count` callers have arrived: requests in flight together, not one by one. */
function barrier(count: number): () => Promise<void> {
  let arrived = 0;
  let release!: () => void;
  const all = new Promise<void>((resolve) => {
    release = resolve;
  });
  return () => {
    if (++arrived === count) release();
    return all;
  };
}

describe('request deadlines', () => {
  let downstream: Awaited<ReturnType<typeof recordingServer>>;
  let app: ServiceApp;
  const logs: Record<string, unknown>[] = [];
  let together: () => Promise<void> = barrier(1);

  before(async () => {
    downstream = await recordingServer();
    app = await createService({
      name: 'kit-test',
      version: '1.0.0',
      env: {
        PORT: '18999',
        LOG_LEVEL: 'debug',
        FUSION_MESH_ENDPOINTS: JSON.stringify({ downstream: downstream.url }),
      },
      logDestination: {
        write(chunk: string) {
          for (const line of chunk.split('\n')) if (line) logs.push(JSON.parse(line));
        },
      },
      routes: (app, ctx) => {
        app.get('/deadline', async () => describeDeadline(ctx));
        app.post('/deadline', async () => describeDeadline(ctx));
        app.get('/wait-for-deadline', async () => {
          const reason = await aborted(ctx.currentDeadline()!.signal);
          return {
            reason: (reason as DOMException).name,
            remainingMs: ctx.currentDeadline()!.remainingMs(),
          };
        });
        app.get('/call/:tag', async (request) => {
          const { tag } = request.params as { tag: string };
          await together();
          const res = await ctx.mesh.fetch('downstream', `/${tag}`);
          await res.text();
          return describeDeadline(ctx);
        });
        app.get('/call-expired', async (_request, reply) => {
          try {
            await ctx.mesh.fetch('downstream', '/expired');
            return { sent: true };
          } catch (error) {
            if (!(error instanceof MeshError)) throw error;
            reply.code(504);
            return { code: error.code, message: error.message };
          }
        });
      },
    });
  });
  after(async () => {
    await app.close();
    downstream.server.close();
  });

  const lastSeen = (url: string) => downstream.seen.filter((s) => s.url === url).at(-1);

  it('runs a handler within the deadline its request carried', async () => {
    for (const method of ['GET', 'POST'] as const) {
      const res = await app.inject({
        method,
        url: '/deadline',
        headers: { [DEADLINE_HEADER]: '60000' },
        ...(method === 'POST' && { payload: { a: 1 } }),
      });
      assert.equal(res.statusCode, 200);
      const seen = res.json();
      assert.ok(seen.remainingMs > 0 && seen.remainingMs <= 60_000, `${method}: ${res.body}`);
      assert.equal(seen.aborted, false);
    }
  });

  it("fires the deadline's signal when the deadline passes", async () => {
    const res = await app.inject({
      url: '/wait-for-deadline',
      headers: { [DEADLINE_HEADER]: '1' },
    });
    assert.deepEqual(res.json(), { reason: 'TimeoutError', remainingMs: 0 });
  });

  it('passes a budget no larger than the one that came in to the services it calls', async () => {
    const res = await app.inject({ url: '/call/nested', headers: { [DEADLINE_HEADER]: '5000' } });
    assert.equal(res.statusCode, 200);
    const sent = lastSeen('/nested')?.deadline;
    assert.match(sent ?? '', /^\d+$/);
    assert.ok(Number(sent) <= 5000, `sent ${sent}`);
  });

  it('fails a call made after the deadline passed without sending it', async () => {
    const res = await app.inject({ url: '/call-expired', headers: { [DEADLINE_HEADER]: '0' } });
    assert.equal(res.statusCode, 504);
    assert.deepEqual(res.json(), {
      code: 'FUSION_ERR_MESH_TIMEOUT',
      message: "downstream: not called, the caller's deadline had passed",
    });
    assert.equal(lastSeen('/expired'), undefined, 'downstream saw nothing');
  });

  it('gives a request without the header no deadline and sends none on', async () => {
    assert.deepEqual((await app.inject('/deadline')).json(), { deadline: null });
    const res = await app.inject('/call/plain');
    assert.deepEqual(res.json(), { deadline: null });
    assert.deepEqual(lastSeen('/plain'), { url: '/plain', deadline: undefined });
  });

  it('ignores a malformed header, logging it at debug', async () => {
    for (const value of ['soon', '-5', '1.5', '']) {
      const res = await app.inject({ url: '/deadline', headers: { [DEADLINE_HEADER]: value } });
      assert.equal(res.statusCode, 200);
      assert.deepEqual(res.json(), { deadline: null }, JSON.stringify(value));
      const line = logs.findLast((l) => l.msg === `ignoring malformed ${DEADLINE_HEADER}`);
      assert.equal(line?.level, 'debug');
      assert.equal(line?.[DEADLINE_HEADER], value);
    }
  });

  it('keeps the deadlines of concurrent requests apart', async () => {
    together = barrier(3);
    const [short, long, none] = await Promise.all([
      app.inject({ url: '/call/short', headers: { [DEADLINE_HEADER]: '30000' } }),
      app.inject({ url: '/call/long', headers: { [DEADLINE_HEADER]: '90000' } }),
      app.inject('/call/none'),
    ]);
    // Each handler waited until all three were in flight, then called downstream.
    assert.ok(short!.json().remainingMs <= 30_000);
    assert.ok(long!.json().remainingMs > 30_000);
    assert.deepEqual(none!.json(), { deadline: null });
    assert.ok(Number(lastSeen('/short')?.deadline) <= 30_000);
    assert.ok(Number(lastSeen('/long')?.deadline) > 30_000);
    assert.equal(lastSeen('/none')?.deadline, undefined);
  });
});
