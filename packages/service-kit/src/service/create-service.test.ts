import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { DestinationStream } from 'pino';
import { EnvError } from '../env.ts';
import type { ServiceApp, ServiceOptions } from './context.ts';
import { buildService, createService } from './create-service.ts';

/** Log lines written by a service, parsed. */
function captureLogs(): { destination: DestinationStream; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  return {
    lines,
    destination: {
      write(chunk: string) {
        for (const line of chunk.split('\n')) if (line) lines.push(JSON.parse(line));
      },
    },
  };
}

const env = { PORT: '18999', LOG_LEVEL: 'info', FUSION_DEPENDENCIES: 'identity,ai-kernel' };

async function withService(
  options: Partial<ServiceOptions>,
  test: (app: ServiceApp, logs: Record<string, unknown>[]) => Promise<void>,
): Promise<void> {
  const { destination, lines } = captureLogs();
  const app = await createService({
    name: 'kit-test',
    version: '1.2.3',
    env,
    logDestination: destination,
    ...options,
  });
  try {
    await test(app, lines);
  } finally {
    await app.close();
  }
}

/** The value of one series in an exposition, or undefined. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('createService', () => {
  it('answers GET /health with 200 {status: ok}', async () => {
    await withService({}, async (app) => {
      const res = await app.inject('/health');
      assert.equal(res.statusCode, 200);
      assert.deepEqual(res.json(), { status: 'ok' });
    });
  });

  it('reports ready with every check ok', async () => {
    await withService({ readinessChecks: { cache: () => undefined } }, async (app) => {
      const res = await app.inject('/ready');
      assert.equal(res.statusCode, 200);
      assert.deepEqual(res.json(), { status: 'ready', checks: { kv: 'ok', cache: 'ok' } });
    });
  });

  it('reports 503 unready naming the failing check and its reason', async () => {
    const readinessChecks = {
      database: async () => {
        throw new Error('connection refused');
      },
      queue: () => 'fine',
    };
    await withService({ readinessChecks }, async (app) => {
      const res = await app.inject('/ready');
      assert.equal(res.statusCode, 503);
      assert.deepEqual(res.json(), {
        status: 'unready',
        checks: { kv: 'ok', database: 'error: connection refused', queue: 'ok' },
      });
      // Liveness is unaffected by readiness.
      assert.equal((await app.inject('/health')).statusCode, 200);
    });
  });

  it('counts requests by method, route pattern and status on /metrics', async () => {
    const routes = (app: ServiceApp) => {
      app.get('/users/:id', async (request) => ({ id: (request.params as { id: string }).id }));
    };
    await withService({ routes }, async (app) => {
      for (const id of ['1', '2', '3']) await app.inject(`/users/${id}`);
      await app.inject('/nowhere');
      const res = await app.inject('/metrics');
      assert.equal(res.statusCode, 200);
      assert.equal(res.headers['content-type'], 'text/plain; version=0.0.4; charset=utf-8');
      const text = res.body;
      assert.equal(
        sample(text, 'http_requests_total{method="GET",route="/users/:id",status="200"}'),
        3,
      );
      assert.equal(
        sample(text, 'http_requests_total{method="GET",route="unmatched",status="404"}'),
        1,
      );
      assert.doesNotMatch(text, /route="\/users\/1"/);
      assert.equal(
        sample(
          text,
          'http_request_duration_seconds_count{method="GET",route="/users/:id",status="200"}',
        ),
        3,
      );
      assert.equal(
        sample(
          text,
          'http_request_duration_seconds_bucket{method="GET",route="/users/:id",status="200",le="+Inf"}',
        ),
        3,
      );
      assert.match(text, /^process_cpu_seconds_total \d/m);
      assert.match(text, /^process_resident_memory_bytes \d/m);

      await app.inject('/users/4');
      const after = (await app.inject('/metrics')).body;
      assert.equal(
        sample(after, 'http_requests_total{method="GET",route="/users/:id",status="200"}'),
        4,
      );
      assert.equal(
        sample(after, 'http_requests_total{method="GET",route="/metrics",status="200"}'),
        1,
      );
    });
  });

  it('describes itself on /info', async () => {
    await withService({}, async (app) => {
      const res = await app.inject('/info');
      assert.equal(res.statusCode, 200);
      const info = res.json();
      assert.equal(info.name, 'kit-test');
      assert.equal(info.version, '1.2.3');
      assert.deepEqual(info.dependencies, ['identity', 'ai-kernel']);
      assert.equal(info.pid, process.pid);
      assert.equal(typeof info.uptimeSeconds, 'number');
      assert.ok(info.uptimeSeconds >= 0);
    });
  });

  it('lets a service replace a built-in route', async () => {
    const routes = (app: ServiceApp) => {
      app.get('/health', async () => ({ status: 'ok', custom: true }));
    };
    await withService({ routes }, async (app) => {
      assert.deepEqual((await app.inject('/health')).json(), { status: 'ok', custom: true });
    });
  });

  it('logs one JSON line per request with req_id, route and status, at debug', async () => {
    const routes = (app: ServiceApp) => {
      app.get('/things/:id', async () => 'ok');
    };
    const { destination, lines } = captureLogs();
    await withService(
      { routes, env: { ...env, LOG_LEVEL: 'debug' }, logDestination: destination },
      async (app) => {
        await app.inject({ url: '/things/7', headers: { 'x-request-id': 'abc-123' } });
        const requestLines = lines.filter((l) => l.msg === 'request completed');
        assert.equal(requestLines.length, 1);
        const line = requestLines[0]!;
        assert.equal(line.service, 'kit-test');
        assert.equal(line.level, 'debug');
        assert.equal(line.req_id, 'abc-123');
        assert.equal(line.route, '/things/:id');
        assert.equal(line.url, '/things/7');
        assert.equal(line.status, 200);
        assert.equal(typeof line.duration_ms, 'number');
        assert.equal(typeof line.time, 'string');
      },
    );
  });

  it('at info, logs only the requests that failed: a 5xx at warn, never a probe', async () => {
    const routes = (app: ServiceApp) => {
      app.get('/things/:id', async () => 'ok');
      app.get('/broken', async (_request, reply) => reply.code(503).send('down'));
    };
    await withService({ routes }, async (app, logs) => {
      await app.inject('/things/7');
      await app.inject('/health');
      await app.inject('/broken');
      const requestLines = logs.filter((l) => l.msg === 'request completed');
      assert.deepEqual(
        requestLines.map((l) => [l.level, l.url, l.status]),
        [['warn', '/broken', 503]],
      );
    });
  });

  it('gives routes a context with the mesh client, kv store and metrics registry', async () => {
    const { app, ctx } = await buildService({
      name: 'kit-test',
      version: '0.0.1',
      env: { ...env, FUSION_MESH_ENDPOINTS: '{"identity":"http://127.0.0.1:1"}' },
      logDestination: captureLogs().destination,
    });
    try {
      assert.deepEqual(ctx.mesh.knownServices, ['ai-kernel', 'identity']);
      assert.equal(ctx.kv.kind, 'memory');
      assert.equal(ctx.db, undefined);
      ctx.metrics.counter({ name: 'widgets_total', help: 'Widgets.' }).inc(5);
      assert.match((await app.inject('/metrics')).body, /^widgets_total 5$/m);
    } finally {
      await app.close();
    }
  });

  it('refuses to start with a bad environment, naming the variable', async () => {
    await assert.rejects(
      createService({ name: 'kit-test', version: '1', env: { PORT: 'abc' } }),
      (error) =>
        error instanceof EnvError &&
        error.message === 'invalid environment: PORT="abc" is not a port number (1-65535)',
    );
    await assert.rejects(
      createService({
        name: 'kit-test',
        version: '1',
        env: { PORT: '1', FUSION_SERVICE_NAME: 'identity' },
      }),
      /FUSION_SERVICE_NAME="identity" does not match this program, which is service "kit-test"/,
    );
  });

  it('refuses to start a service that declares a database without DATABASE_URL', async () => {
    await assert.rejects(
      createService({ name: 'kit-test', version: '1', env, database: { migrations: [] } }),
      (error) =>
        error instanceof EnvError &&
        error.variable === 'DATABASE_URL' &&
        /DATABASE_URL is not set .*service "kit-test" declares a database/.test(error.message),
    );
  });
});
