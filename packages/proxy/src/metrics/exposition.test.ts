/**
 * The scrape after traffic to many authorities (the case scrape.bench.ts times): how many series
 * it holds, that every line is valid text format 0.0.4, and that the admin server sends exactly
 * the registry's text, in chunks. Figures and format only; the time is the benchmark's business.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Registry } from '@fusion/telemetry';
import { type AdminServer, startAdmin } from '../admin/index.ts';
import { emptyResponse, type ProxyRequest } from '../http/message.ts';
import { createProxyLogger } from '../logging/index.ts';
import { createHttpMetrics, LATENCY_BUCKETS_MS, type TargetLabels } from './http-metrics.ts';

const AUTHORITIES = 100;
const STATUSES = [200, 201, 404, 500, 503];
/** `name{label="value",…} value`, labels optional; values as Prometheus parses them. */
const LABEL = '[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\\\\n]|\\\\.)*"';
const SAMPLE = new RegExp(
  `^[a-zA-Z_:][a-zA-Z0-9_:]*(?:\\{${LABEL}(?:,${LABEL})*\\})? (?:-?\\d+(?:\\.\\d+)?(?:e[-+]?\\d+)?|\\+Inf|-Inf|NaN)$`,
);

describe('the scrape after traffic to 100 authorities', () => {
  const registry = new Registry();
  let admin: AdminServer;

  before(async () => {
    const record = createHttpMetrics(registry);
    for (let a = 0; a < AUTHORITIES; a++) {
      const labels: TargetLabels = {
        direction: 'outbound',
        authority: `service-${a}.default.svc.cluster.local:8080`,
        tls: 'true',
        serverId: `service-${a}.default.serviceaccount.identity.cluster.local`,
      };
      for (const status of STATUSES) {
        const handler = record(() => labels)(async () => emptyResponse(status));
        const request = { ctx: { startedAt: process.hrtime.bigint() } } as ProxyRequest;
        await (await handler(request)).trailers;
      }
    }
    await new Promise((resolve) => setImmediate(resolve));
    admin = await startAdmin({
      listen: { host: '127.0.0.1', port: 0 },
      registry,
      logger: createProxyLogger({
        service: 'test',
        filter: 'error',
        format: 'json',
        destination: { write: () => {} },
      }),
      readiness: () => ({ ready: true }),
      config: () => ({}),
    });
  });
  after(() => admin.close());

  it('holds one series per authority, per status and per bucket, every line valid', () => {
    const lines = registry.expose().split('\n').slice(0, -1);
    const count = (prefix: string) => lines.filter((l) => l.startsWith(prefix)).length;
    assert.equal(count('request_total{'), AUTHORITIES);
    assert.equal(count('response_total{'), AUTHORITIES * STATUSES.length);
    const histograms = AUTHORITIES * STATUSES.length;
    assert.equal(
      count('response_latency_ms_bucket{'),
      histograms * (LATENCY_BUCKETS_MS.length + 1),
    );
    assert.equal(count('response_latency_ms_sum{'), histograms);
    assert.equal(count('response_latency_ms_count{'), histograms);
    for (const line of lines) {
      if (line.startsWith('# HELP ') || line.startsWith('# TYPE ')) continue;
      assert.match(line, SAMPLE);
    }
    assert.ok(
      lines.includes(
        'response_total{direction="outbound",authority="service-42.default.svc.cluster.local:8080",tls="true",server_id="service-42.default.serviceaccount.identity.cluster.local",status_code="503",classification="failure"} 1',
      ),
    );
  });

  it('is served by /metrics in chunks, line for line the registry text', async () => {
    // The admin server registered the process families, whose figures move between two reads:
    // the request families are compared.
    const steady = (text: string) =>
      text.split('\n').filter((line) => /^(?:# (?:HELP|TYPE) )?(?:request|response)_/.test(line));
    const chunks = registry.exposeChunks();
    assert.ok(chunks.length > 10, `${chunks.length} chunks`);
    assert.deepEqual(steady(chunks.join('')), steady(registry.expose()));
    const response = await fetch(`http://127.0.0.1:${admin.address.port}/metrics`);
    assert.equal(response.headers.get('transfer-encoding'), 'chunked');
    const body = await response.text();
    assert.deepEqual(steady(body), steady(registry.expose()));
    assert.ok(steady(body).length > 14_000);
  });
});
