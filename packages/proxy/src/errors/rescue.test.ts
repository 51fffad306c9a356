import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HeaderList } from '../http/headers.ts';
import type { ProxyRequest } from '../http/message.ts';
import { emptyResponse } from '../http/message.ts';
import { asProxyError, ProxyError } from './proxy-error.ts';
import { PROXY_ERROR_HEADER, rescueLayer } from './rescue.ts';

const request = { headers: new HeaderList() } as ProxyRequest;

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

test('a gRPC caller gets its gRPC status, trailers-only, with the reason in grpc-message', async () => {
  const grpc = { headers: new HeaderList(['content-type', 'application/grpc+proto']) };
  const cases: [ProxyError, string][] = [
    [new ProxyError('REQUEST_TIMEOUT', 'route default: no response within 1000 ms'), '4'],
    [new ProxyError('RESPONSE_TIMEOUT', 'try 1'), '4'],
    [new ProxyError('UNAUTHORIZED', 'policy deny'), '7'],
    [new ProxyError('CIRCUIT_OPEN', 'maxRequests 10 reached (100% busy)'), '14'],
    [new ProxyError('FAIL_FAST', 'no endpoint'), '14'],
    [new ProxyError('BAD_REQUEST', 'bad'), '13'],
  ];
  for (const [error, grpcStatus] of cases) {
    const response = await rescueLayer()(async () => {
      throw error;
    })(grpc as ProxyRequest);
    assert.equal(response.status, 200, error.code);
    assert.equal(response.body, null, 'trailers-only: the headers end the stream');
    assert.equal(response.headers.get('content-type'), 'application/grpc');
    assert.equal(response.headers.get('grpc-status'), grpcStatus, error.code);
    assert.equal(response.headers.get(PROXY_ERROR_HEADER), `${error.code}: ${error.message}`);
  }
  const last = await rescueLayer()(async () => {
    throw new ProxyError('CIRCUIT_OPEN', 'maxRequests 10 reached (100% busy)');
  })(grpc as ProxyRequest);
  // gRPC percent-encodes '%' in grpc-message (PROTOCOL-HTTP2.md).
  assert.equal(
    last.headers.get('grpc-message'),
    'CIRCUIT_OPEN: maxRequests 10 reached (100%25 busy)',
  );
});
