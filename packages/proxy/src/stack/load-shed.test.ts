import assert from 'node:assert/strict';
import { test } from 'node:test';
import { rescueLayer } from '../errors/rescue.ts';
import { emptyResponse, type ProxyRequest, type ProxyResponse } from '../http/message.ts';
import { loadShedLayer } from './load-shed.ts';
import { stack } from './stack.ts';

const request = {} as ProxyRequest;

/** A handler whose responses are released by hand, to hold requests in flight. */
function held() {
  const pending: { resolve(r: ProxyResponse): void; reject(e: Error): void }[] = [];
  const handler = () =>
    new Promise<ProxyResponse>((resolve, reject) => pending.push({ resolve, reject }));
  return { handler, pending };
}

test('past its bound a request is shed with 503 LOAD_SHED at once; room frees as responses come', async () => {
  const app = held();
  const shed: string[] = [];
  const handler = stack(app.handler)
    .push(loadShedLayer(2))
    .push(rescueLayer({ onError: (e) => shed.push(e.code) }))
    .build();
  const first = handler(request);
  const second = handler(request);
  const third = await handler(request);
  assert.equal(third.status, 503);
  assert.match(
    String(third.headers.get('l5d-proxy-error')),
    /^LOAD_SHED: 2 requests already in flight/,
  );
  assert.deepEqual(shed, ['LOAD_SHED']);
  assert.equal(app.pending.length, 2, 'the shed request never reached the inner handler');

  // A response (or a failure) frees its place.
  app.pending[0]!.resolve(emptyResponse(200));
  assert.equal((await first).status, 200);
  const fourth = handler(request);
  assert.equal(app.pending.length, 3);
  app.pending[1]!.reject(new Error('boom'));
  assert.equal((await second).status, 502);
  const fifth = handler(request);
  assert.equal(app.pending.length, 4);
  assert.equal((await handler(request)).status, 503, 'two in flight again: the next is shed');
  app.pending[2]!.resolve(emptyResponse(204));
  app.pending[3]!.resolve(emptyResponse(204));
  assert.equal((await fourth).status, 204);
  assert.equal((await fifth).status, 204);
  assert.deepEqual(shed, ['LOAD_SHED', 'UNEXPECTED', 'LOAD_SHED']);
});

test('a handler that throws synchronously frees its place too; an infinite bound is no layer', async () => {
  let calls = 0;
  const throwing = () => {
    calls += 1;
    throw new Error('sync');
  };
  const handler = loadShedLayer(1)(throwing);
  assert.throws(() => handler(request), /sync/);
  assert.throws(() => handler(request), /sync/, 'not shed: the first one left no count behind');
  assert.equal(calls, 2);
  const inner = async () => emptyResponse(200);
  assert.equal(loadShedLayer(Number.POSITIVE_INFINITY)(inner), inner);
  assert.throws(() => loadShedLayer(0), RangeError);
});
