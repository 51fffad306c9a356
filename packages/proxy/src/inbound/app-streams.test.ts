import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { PassThrough } from 'node:stream';
import { describe, it } from 'node:test';
import type { ProxyError } from '../errors/proxy-error.ts';
import { Body, writeBodyTo } from '../http/body.ts';
import { HeaderList } from '../http/headers.ts';
import { guardConnect, trailersWhenEnded } from './app-streams.ts';

const endpoint = { host: '127.0.0.1', port: 8001, connectTimeoutMs: 100 };

/** A connection attempt the test drives: `connecting` until it emits `connect`. */
function connecting() {
  const connection = Object.assign(new EventEmitter(), { connecting: true });
  return connection;
}

describe('guardConnect', () => {
  it('fails a connection still not up after the connect timeout', (t) => {
    t.mock.timers.enable({ apis: ['setTimeout'] });
    const failures: ProxyError[] = [];
    guardConnect(connecting(), endpoint, (error) => failures.push(error));
    t.mock.timers.tick(99);
    assert.equal(failures.length, 0);
    t.mock.timers.tick(1);
    assert.equal(failures.length, 1);
    assert.equal(failures[0]?.code, 'CONNECT_TIMEOUT');
    assert.equal(failures[0]?.status, 504);
    assert.match(failures[0]!.message, /127\.0\.0\.1:8001 within 100 ms/);
  });

  it('leaves alone a connection that came up, or was already up', (t) => {
    t.mock.timers.enable({ apis: ['setTimeout'] });
    const failures: ProxyError[] = [];
    const slow = connecting();
    guardConnect(slow, endpoint, (error) => failures.push(error));
    slow.emit('connect');
    guardConnect({ ...connecting(), connecting: false }, endpoint, (e) => failures.push(e));
    t.mock.timers.tick(1_000);
    assert.equal(failures.length, 0);
  });
});

describe('trailersWhenEnded', () => {
  it('resolves with the trailers once the body has ended', async () => {
    const body = new PassThrough();
    const trailers = trailersWhenEnded(
      body,
      () => HeaderList.from({ 'grpc-status': '0' }),
      () => new Error(),
    );
    body.resume();
    body.end('data');
    assert.equal((await trailers)?.get('grpc-status'), '0');
  });

  it('rejects when the body is cut off before its end', async () => {
    const body = new PassThrough();
    const trailers = trailersWhenEnded(
      body,
      () => undefined,
      () => new Error('reset'),
    );
    body.destroy();
    await assert.rejects(trailers, /reset/);
  });
});

describe('writeBodyTo', () => {
  it("aborts the app's request when the caller's body fails midway", async () => {
    const body = new Body();
    const upstream = new PassThrough();
    const aborted = new Promise((resolve) => upstream.once('error', resolve));
    writeBodyTo(body, upstream);
    body.push(Buffer.from('half of it'));
    body.fail(new Error('caller went away'));
    assert.match(String(await aborted), /caller went away/);
  });

  it('cancels the body when the upstream closes first', () => {
    let cancelled: Error | undefined;
    const body = new Body({ cancel: (error) => (cancelled = error) });
    const upstream = new PassThrough();
    writeBodyTo(body, upstream);
    upstream.destroy();
    upstream.emit('close');
    assert.match(String(cancelled), /closed first/);
  });
});
