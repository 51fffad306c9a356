import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { isAlive } from '../system/index.ts';
import type { BackoffPolicy } from './backoff.ts';
import { Component } from './component.ts';
import { LogSink } from './log-sink.ts';
import { fixtureSpec, readEvents } from './testing/index.ts';

const fastBackoff: BackoffPolicy = { initialMs: 20, maxMs: 100, jitter: 0, resetAfterMs: 60_000 };

function setup() {
  const dir = mkdtempSync(join(tmpdir(), 'fusion-component-'));
  const logs = new LogSink(join(dir, 'logs'));
  const options = { backoff: fastBackoff, logs, maxStartAttempts: 3, stopTimeoutMs: 2_000 };
  return { dir, logs, options, events: join(dir, 'events') };
}

async function until(condition: () => boolean, what: string, limitMs = 10_000): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

describe('Component', () => {
  test('becomes ready, and stops with SIGTERM', async () => {
    const { options, events } = setup();
    const component = new Component(await fixtureSpec('web', { events }), options);
    await component.start();
    const { state, pid } = component.status();
    assert.equal(state, 'ready');
    assert.ok(pid && isAlive(pid));
    await component.stop();
    assert.equal(component.status().state, 'stopped');
    assert.ok(!isAlive(pid));
    assert.deepEqual(readEvents(events), ['web start', 'web listening', 'web term']);
  });

  test('a pre-stop hook is called before SIGTERM; a failing one does not stop the stop', async () => {
    const { options, events } = setup();
    const hooks: string[] = [];
    const hook = http.createServer((req, res) => {
      hooks.push(`${req.method} ${req.url} ${readEvents(events).at(-1)}`);
      res.end('{}');
    });
    await new Promise<void>((resolve) => hook.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/deregister`;
    try {
      const spec = await fixtureSpec('web', { events });
      const component = new Component({ ...spec, preStop: { url, settleMs: 10 } }, options);
      await component.start();
      await component.stop();
      // The hook ran while the process was still up: the last event before it was 'listening'.
      assert.deepEqual(hooks, ['POST /deregister web listening']);
      assert.deepEqual(readEvents(events).slice(-1), ['web term']);

      const unreachable = { url: 'http://127.0.0.1:1/deregister', settleMs: 10 };
      const other = new Component({ ...(await fixtureSpec('api')), preStop: unreachable }, options);
      await other.start();
      await other.stop();
      assert.equal(other.status().state, 'stopped');
    } finally {
      hook.close();
    }
  });

  test('a crash after ready is restarted, with the reason kept', async () => {
    const { options } = setup();
    const component = new Component(await fixtureSpec('web'), options);
    await component.start();
    const firstPid = component.status().pid!;
    process.kill(firstPid, 'SIGKILL');
    await until(
      () => component.status().state === 'ready' && component.status().pid !== firstPid,
      'restart',
    );
    const status = component.status();
    assert.equal(status.restarts, 1);
    assert.equal(status.lastExit, 'was killed by SIGKILL');
    await component.stop();
  });

  test('one that never starts fails after maxStartAttempts, naming the exit and its output', async () => {
    const { options, logs } = setup();
    const component = new Component(
      await fixtureSpec('broken', { env: { FIXTURE_CRASH: '1' } }),
      options,
    );
    await assert.rejects(component.start(), /broken: exited with code 3; gave up after 3 attempts/);
    assert.equal(component.status().state, 'failed');
    assert.equal(component.status().restarts, 2);
    assert.ok(logs.recentLines('broken', 5).some((line) => line.includes('crashing on purpose')));
  });

  test('one that never becomes ready is killed after its readiness timeout', async () => {
    const { options } = setup();
    const spec = await fixtureSpec('stuck', { env: { FIXTURE_NOT_READY: '1' }, timeoutMs: 300 });
    const component = new Component(spec, { ...options, maxStartAttempts: 1 });
    await assert.rejects(
      component.start(),
      /stuck: was killed: not ready within 0.3 s \(GET .*: answered 503\)/,
    );
  });

  test('a process ignoring SIGTERM is killed after the grace period, with its whole group', async () => {
    const { options, events } = setup();
    const spec = await fixtureSpec('stubborn', {
      events,
      env: { FIXTURE_IGNORE_TERM: '1', FIXTURE_GRANDCHILD: '1' },
    });
    const component = new Component(spec, { ...options, stopTimeoutMs: 300 });
    await component.start();
    const pid = component.status().pid!;
    const grandchild = Number(
      readEvents(events)
        .find((e) => e.includes('grandchild'))!
        .split(' ')
        .pop(),
    );
    assert.ok(isAlive(grandchild));
    await component.stop();
    assert.ok(!isAlive(pid));
    await until(() => !isAlive(grandchild), 'grandchild to be gone', 2_000);
    assert.ok(readEvents(events).includes('stubborn term'), 'SIGTERM was tried first');
  });

  test('a command that does not exist fails with the spawn error', async () => {
    const { options } = setup();
    const spec = { ...(await fixtureSpec('ghost')), command: '/nonexistent/program' };
    const component = new Component(spec, { ...options, maxStartAttempts: 1 });
    await assert.rejects(
      component.start(),
      /ghost: could not start: spawn \/nonexistent\/program ENOENT/,
    );
  });
});
