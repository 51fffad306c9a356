import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { createMeshClient, createService } from '@fusion/service-kit';
import { checkDownstream, registerAggregateHealth } from './downstream-health.ts';

/** A stub service whose /health answers with `status`; `hang` never answers. */
async function stub(status: number | 'hang'): Promise<{ url: string; server: http.Server }> {
  const server = http.createServer((_req, res) => {
    if (status === 'hang') return;
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ status: status === 200 ? 'ok' : 'broken' }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

/** An address nothing listens on. */
async function closedPortUrl(): Promise<string> {
  const { server, url } = await stub(200);
  await new Promise((resolve) => server.close(resolve));
  return url;
}

describe('api-gateway downstream health', () => {
  let healthy: Awaited<ReturnType<typeof stub>>;
  let failing: Awaited<ReturnType<typeof stub>>;
  let hanging: Awaited<ReturnType<typeof stub>>;
  let refused: string;

  before(async () => {
    [healthy, failing, hanging] = await Promise.all([stub(200), stub(503), stub('hang')]);
    refused = await closedPortUrl();
  });
  after(() => {
    for (const { server } of [healthy, failing, hanging]) {
      server.closeAllConnections();
      server.close();
    }
  });

  it('is ok when every dependency is up, with a latency for each', async () => {
    const mesh = createMeshClient({ endpoints: { identity: healthy.url, vision: healthy.url } });
    const report = await checkDownstream(mesh, ['identity', 'vision']);
    assert.equal(report.status, 'ok');
    assert.equal(report.down, undefined);
    assert.deepEqual(Object.keys(report.services), ['identity', 'vision']);
    for (const s of Object.values(report.services)) {
      assert.equal(s.status, 'up');
      assert.ok(s.status === 'up' && s.latencyMs >= 0);
    }
  });

  it('is degraded, naming each down service and why', async () => {
    const mesh = createMeshClient({
      endpoints: {
        identity: healthy.url,
        'ai-kernel': refused,
        analytics: failing.url,
        vision: hanging.url,
      },
    });
    const report = await checkDownstream(
      mesh,
      ['identity', 'ai-kernel', 'analytics', 'vision', 'plugin'],
      100,
    );
    assert.equal(report.status, 'degraded');
    assert.deepEqual(report.down, ['ai-kernel', 'analytics', 'vision', 'plugin']);
    assert.equal(report.services.identity?.status, 'up');
    assert.deepEqual(report.services['ai-kernel'], {
      status: 'down',
      error: 'ai-kernel: unreachable (ECONNREFUSED)',
    });
    assert.deepEqual(report.services.analytics, { status: 'down', error: 'HTTP 503' });
    assert.deepEqual(report.services.vision, {
      status: 'down',
      error: 'vision: no response within 100 ms',
    });
    assert.match((report.services.plugin as { error: string }).error, /^unknown service "plugin"/);
  });

  it('replaces the gateway GET /health: 200 when all are up, 503 naming the down ones', async () => {
    const start = (endpoints: Record<string, string>) =>
      createService({
        name: 'api-gateway',
        version: '0.0.0',
        env: {
          PORT: '18000',
          FUSION_DEPENDENCIES: Object.keys(endpoints).join(','),
          FUSION_MESH_ENDPOINTS: JSON.stringify(endpoints),
        },
        routes: registerAggregateHealth,
        logDestination: { write: () => {} },
      });

    const allUp = await start({ identity: healthy.url, 'ai-kernel': healthy.url });
    try {
      const res = await allUp.inject('/health');
      assert.equal(res.statusCode, 200);
      const body = res.json();
      assert.equal(body.status, 'ok');
      assert.deepEqual(Object.keys(body.services), ['api-gateway', 'identity', 'ai-kernel']);
    } finally {
      await allUp.close();
    }

    const oneDown = await start({ identity: healthy.url, 'ai-kernel': refused });
    try {
      const res = await oneDown.inject('/health');
      assert.equal(res.statusCode, 503);
      const body = res.json();
      assert.equal(body.status, 'degraded');
      assert.deepEqual(body.down, ['ai-kernel']);
      assert.equal(body.services.identity.status, 'up');
      assert.equal(body.services['ai-kernel'].status, 'down');
      // Readiness, the supervisor's probe, does not depend on downstream services.
      const ready = await oneDown.inject('/ready');
      assert.equal(ready.statusCode, 200);
    } finally {
      await oneDown.close();
    }
  });
});
