import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ORIG_PROTO_HEADER } from '../http/message.ts';
import { downgraded, origProtoLayer } from './orig-proto.ts';
import { fakeRequest, recordingHandler } from './testing/index.ts';

describe('origProtoLayer', () => {
  it('restores HTTP/1.1 for a request the outbound proxy upgraded, and drops the mark', async () => {
    const inner = recordingHandler();
    await origProtoLayer()(inner.handler)(
      fakeRequest({ [ORIG_PROTO_HEADER]: 'HTTP/1.1', accept: 'text/plain' }),
    );
    const seen = inner.received[0]!;
    assert.equal(seen.ctx.originalVersion, 'HTTP/1.1');
    assert.deepEqual({ ...seen.headers.toRecord() }, { accept: 'text/plain' });
  });

  it('leaves HTTP/2 from the start (gRPC) as it is', () => {
    const request = fakeRequest({ 'content-type': 'application/grpc' });
    assert.equal(downgraded(request), request);
  });

  it('drops a mark it does not understand without changing the version', () => {
    const request = downgraded(fakeRequest({ [ORIG_PROTO_HEADER]: 'SPDY/3' }));
    assert.equal(request.ctx.originalVersion, 'HTTP/2');
    assert.equal(request.headers.size, 0);
  });
});
