import assert from 'node:assert/strict';
import { it } from 'node:test';
import { Registry } from '@fusion/telemetry';
import { HeaderList } from '../http/headers.ts';
import { emptyResponse, type ProxyRequest } from '../http/message.ts';
import { createHttpMetrics } from '../metrics/http-metrics.ts';
import { outboundMetrics } from './metrics.ts';

const request: ProxyRequest = {
  method: 'GET',
  authority: 'identity',
  path: '/',
  headers: new HeaderList(),
  body: null,
  ctx: {
    startedAt: process.hrtime.bigint(),
    clientId: undefined,
    tls: false,
    originalVersion: 'HTTP/2',
  },
};

it('writes the request metrics the inbound side registered first, in the same families', async () => {
  const registry = new Registry();
  const inbound = createHttpMetrics(registry);
  const outbound = outboundMetrics(registry, undefined);
  const ok = async () => emptyResponse(200);
  await inbound(() => ({ direction: 'inbound', tls: 'true', clientId: 'a' }))(ok)(request);
  await outbound.http(() => ({ direction: 'outbound', tls: 'true', serverId: 'b' }))(ok)(request);
  const text = registry.expose();
  assert.equal(text.match(/^# TYPE request_total counter$/gm)?.length, 1);
  assert.match(text, /^request_total\{direction="inbound",tls="true",client_id="a"\} 1$/m);
  assert.match(text, /^request_total\{direction="outbound",tls="true",server_id="b"\} 1$/m);
});
