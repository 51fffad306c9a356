import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HeaderList } from '../http/headers.ts';
import { classifyError, classifyResponse } from './classify.ts';

test("Linkerd's rule: 5xx and non-zero gRPC status fail, everything else succeeds", () => {
  assert.equal(classifyResponse(200, new HeaderList(), undefined).classification, 'success');
  assert.equal(classifyResponse(404, new HeaderList(), undefined).classification, 'success');
  assert.equal(classifyResponse(503, new HeaderList(), undefined).classification, 'failure');
  assert.deepEqual(
    classifyResponse(200, new HeaderList(), HeaderList.from({ 'grpc-status': '0' })),
    {
      classification: 'success',
      status: 200,
      grpcStatus: 0,
    },
  );
  assert.deepEqual(
    classifyResponse(200, new HeaderList(), HeaderList.from({ 'grpc-status': '13' })),
    {
      classification: 'failure',
      status: 200,
      grpcStatus: 13,
    },
  );
  // Trailers-only gRPC responses carry the status in the headers.
  assert.equal(
    classifyResponse(200, HeaderList.from({ 'grpc-status': '5' }), undefined).grpcStatus,
    5,
  );
  assert.deepEqual(classifyError('FAIL_FAST'), { classification: 'failure', error: 'FAIL_FAST' });
});
