import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Registry } from '@fusion/telemetry';
import { ProxyError } from '../errors/proxy-error.ts';
import { Body } from '../http/body.ts';
import { HeaderList } from '../http/headers.ts';
import type { ProxyRequest, ProxyResponse } from '../http/message.ts';
import { createHttpMetrics } from './http-metrics.ts';

const request = (): ProxyRequest => ({
  method: 'GET',
  authority: 'identity',
  path: '/',
  headers: new HeaderList(),
  body: null,
  ctx: {
    startedAt: process.hrtime.bigint(),
    clientId: undefined,
    tls: true,
    originalVersion: 'HTTP/1.1',
  },
});

test("request_total, response_total (classified at stream end) and response_latency_ms, Linkerd's labels", async () => {
  const registry = new Registry();
  const layer = createHttpMetrics(registry)(() => ({
    direction: 'outbound',
    authority: 'identity',
    tls: 'true',
    serverId: 'identity.default.serviceaccount.identity.cluster.local',
  }));
  let finishTrailers: (t: HeaderList) => void = () => {};
  const grpc: ProxyResponse = {
    status: 200,
    headers: new HeaderList(),
    body: Body.of(),
    trailers: new Promise((resolve) => {
      finishTrailers = resolve;
    }),
  };
  const handler = layer(async () => grpc);
  await handler(request());
  const target =
    'direction="outbound",authority="identity",tls="true",server_id="identity.default.serviceaccount.identity.cluster.local"';
  assert.match(registry.expose(), new RegExp(`request_total\\{${target}\\} 1`));
  assert.doesNotMatch(
    registry.expose(),
    /response_total\{/,
    'not classified before the stream ends',
  );
  finishTrailers(HeaderList.from({ 'grpc-status': '14' }));
  await new Promise((r) => setImmediate(r));
  const text = registry.expose();
  assert.match(
    text,
    new RegExp(
      `response_total\\{${target},status_code="200",classification="failure",grpc_status="14"\\} 1`,
    ),
  );
  assert.match(
    text,
    new RegExp(`response_latency_ms_bucket\\{${target},status_code="200",le="50000"\\} 1`),
  );

  const failing = layer(async () => {
    throw new ProxyError('FAIL_FAST', 'none ready');
  });
  await assert.rejects(failing(request()));
  assert.match(
    registry.expose(),
    new RegExp(`response_total\\{${target},classification="failure",error="FAIL_FAST"\\} 1`),
  );
});

test('inbound and outbound share one set of families on a registry', () => {
  const registry = new Registry();
  assert.equal(createHttpMetrics(registry), createHttpMetrics(registry));
  assert.notEqual(createHttpMetrics(registry), createHttpMetrics(new Registry()));
});
