import assert from 'node:assert/strict';
import { test } from 'node:test';
import { classifyError, classifyResponse } from './classify.ts';

test("Linkerd's rule: 5xx and non-zero gRPC status fail, everything else succeeds", () => {
  assert.equal(classifyResponse(200, {}, undefined).classification, 'success');
  assert.equal(classifyResponse(404, {}, undefined).classification, 'success');
  assert.equal(classifyResponse(503, {}, undefined).classification, 'failure');
  assert.deepEqual(classifyResponse(200, {}, { 'grpc-status': '0' }), {
    classification: 'success',
    status: 200,
    grpcStatus: 0,
  });
  assert.deepEqual(classifyResponse(200, {}, { 'grpc-status': '13' }), {
    classification: 'failure',
    status: 200,
    grpcStatus: 13,
  });
  // Trailers-only gRPC responses carry the status in the headers.
  assert.equal(classifyResponse(200, { 'grpc-status': '5' }, undefined).grpcStatus, 5);
  assert.deepEqual(classifyError('FAIL_FAST'), { classification: 'failure', error: 'FAIL_FAST' });
});
