import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ProxyRequest } from '../http/message.ts';
import { emptyResponse } from '../http/message.ts';
import { asProxyError, ProxyError } from './proxy-error.ts';
import { PROXY_ERROR_HEADER, rescueLayer } from './rescue.ts';

const request = {} as ProxyRequest;

test('a ProxyError becomes its status with l5d-proxy-error naming code and reason', async () => {
  const seen: string[] = [];
  const handler = rescueLayer({ onError: (e) => seen.push(e.code) })(async () => {
    throw new ProxyError('FAIL_FAST', 'no endpoint of identity is ready');
  });
  const response = await handler(request);
  assert.equal(response.status, 503);
  assert.equal(
    response.headers.get(PROXY_ERROR_HEADER),
    'FAIL_FAST: no endpoint of identity is ready',
  );
  assert.deepEqual(seen, ['FAIL_FAST']);
});

test('socket errors get their codes; anything else is UNEXPECTED; header values stay one line', async () => {
  const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), {
    code: 'ECONNREFUSED',
  });
  assert.equal(asProxyError(refused).code, 'CONNECT_REFUSED');
  assert.equal(asProxyError(refused).status, 502);
  assert.equal(asProxyError(Object.assign(new Error('x'), { code: 'ECONNRESET' })).code, 'RESET');
  const handler = rescueLayer()(async () => {
    throw new Error('line one\nline two');
  });
  const response = await handler(request);
  assert.equal(response.status, 502);
  assert.equal(response.headers.get(PROXY_ERROR_HEADER), 'UNEXPECTED: line one line two');
});

test('a successful response passes through untouched', async () => {
  const ok = emptyResponse(204);
  assert.equal(await rescueLayer()(async () => ok)(request), ok);
});
