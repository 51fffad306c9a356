import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { firingAlerts } from './alerts.ts';

describe('firingAlerts', () => {
  let server: Server;
  let answer: { status: number; body: unknown };
  let address: string;
  before(async () => {
    server = createServer((_req, res) => {
      res.writeHead(answer.status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(answer.body));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    address = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => server.close());

  it('lists the firing alerts with their severity, summary and runbook; pending ones are not', async () => {
    answer = {
      status: 200,
      body: {
        status: 'success',
        data: {
          alerts: [
            {
              labels: { alertname: 'FusionProxyDown', severity: 'critical', pod: 'vision' },
              annotations: { summary: 'the sidecar of vision does not answer' },
              state: 'firing',
            },
            {
              labels: { alertname: 'FusionSuccessRateBelowObjective', severity: 'critical' },
              annotations: { summary: 'identity answers 80%', runbook: 'fusion stat identity' },
              state: 'firing',
            },
            { labels: { alertname: 'FusionRateLimited' }, state: 'pending' },
          ],
        },
      },
    };
    assert.deepEqual(await firingAlerts(address), [
      {
        name: 'FusionProxyDown',
        severity: 'critical',
        summary: 'the sidecar of vision does not answer',
      },
      {
        name: 'FusionSuccessRateBelowObjective',
        severity: 'critical',
        summary: 'identity answers 80%',
        runbook: 'fusion stat identity',
      },
    ]);
  });

  it('says why it could not ask', async () => {
    answer = { status: 503, body: {} };
    await assert.rejects(firingAlerts(address), /answered 503/);
    answer = { status: 200, body: { status: 'error' } };
    await assert.rejects(firingAlerts(address), /status error/);
  });
});
