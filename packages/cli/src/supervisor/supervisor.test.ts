import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { LogSink } from './log-sink.ts';
import type { SupervisorState } from './state-file.ts';
import { Supervisor } from './supervisor.ts';
import { fixtureSpec, readEvents } from './testing/index.ts';

function setup() {
  const dir = mkdtempSync(join(tmpdir(), 'fusion-supervisor-'));
  return {
    events: join(dir, 'events'),
    options: {
      logs: new LogSink(join(dir, 'logs')),
      configFile: 'fusion.yaml',
      stateDir: dir,
      backoff: { initialMs: 20, maxMs: 100, jitter: 0, resetAfterMs: 60_000 },
      maxStartAttempts: 2,
      stopTimeoutMs: 2_000,
    },
  };
}

const indexOf = (events: string[], line: string) => {
  const i = events.indexOf(line);
  assert.notEqual(i, -1, `missing event '${line}' in ${events.join(', ')}`);
  return i;
};

describe('Supervisor', () => {
  test('starts dependencies first; stops in reverse, tier by tier', async () => {
    const { events, options } = setup();
    const specs = [
      await fixtureSpec('db', { tier: 'infrastructure', events }),
      await fixtureSpec('gateway', { dependsOn: ['api', 'auth'], events }),
      await fixtureSpec('api', { dependsOn: ['auth'], events }),
      await fixtureSpec('auth', { dependsOn: ['db'], events }),
    ];
    const supervisor = new Supervisor(specs, options);
    const phases: string[] = [];
    supervisor.on('change', (s: SupervisorState) => {
      if (phases.at(-1) !== s.phase) phases.push(s.phase);
    });
    await supervisor.start();
    assert.ok(supervisor.snapshot().components.every((c) => c.state === 'ready'));
    await supervisor.stop();

    const e = readEvents(events);
    // What needs the infrastructure starts once it listens.
    assert.ok(indexOf(e, 'db listening') < indexOf(e, 'auth start'));
    assert.ok(indexOf(e, 'auth listening') < indexOf(e, 'api start'));
    assert.ok(indexOf(e, 'api listening') < indexOf(e, 'gateway start'));
    // Reverse order on the way down: dependents first, infrastructure last.
    assert.ok(indexOf(e, 'gateway term') < indexOf(e, 'api term'));
    assert.ok(indexOf(e, 'api term') < indexOf(e, 'auth term'));
    assert.ok(indexOf(e, 'auth term') < indexOf(e, 'db term'));
    assert.deepEqual(phases, ['starting', 'running', 'stopping', 'stopped']);
  });

  test('a later tier starts beside an earlier one that it does not depend on', async () => {
    const { events, options } = setup();
    const gate = join(options.stateDir, 'db-may-be-ready');
    const specs = [
      await fixtureSpec('db', {
        tier: 'infrastructure',
        events,
        env: { FIXTURE_READY_FILE: gate },
      }),
      await fixtureSpec('plane', { tier: 'control-plane', events }),
      await fixtureSpec('proxy', { dependsOn: ['plane'], events }),
      await fixtureSpec('app', { dependsOn: ['proxy', 'db'], events }),
    ];
    const supervisor = new Supervisor(specs, options);
    const stateOf = (s: SupervisorState, name: string) =>
      s.components.find((c) => c.name === name)?.state;
    // The moment the proxy is ready, while the database still is not.
    const proxyReady = new Promise<SupervisorState>((resolve) => {
      const onChange = (s: SupervisorState) => {
        if (stateOf(s, 'proxy') !== 'ready') return;
        supervisor.off('change', onChange);
        resolve(s);
      };
      supervisor.on('change', onChange);
    });
    const started = supervisor.start();
    const early = await proxyReady;
    assert.equal(stateOf(early, 'db'), 'starting');
    assert.equal(stateOf(early, 'app'), 'pending');
    assert.ok(!readEvents(events).includes('app start'), 'the app needs the database');
    writeFileSync(gate, '');
    await started;
    await supervisor.stop();
    const e = readEvents(events);
    assert.ok(indexOf(e, 'plane listening') < indexOf(e, 'proxy start'));
    assert.ok(indexOf(e, 'db listening') < indexOf(e, 'app start'));
    // Stopping still walks the tiers backwards: the database goes last.
    assert.ok(indexOf(e, 'app term') < indexOf(e, 'proxy term'));
    assert.ok(indexOf(e, 'proxy term') < indexOf(e, 'plane term'));
    assert.ok(indexOf(e, 'plane term') < indexOf(e, 'db term'));
  });

  test('a failed component fails the start, names itself, and its dependents never start', async () => {
    const { events, options } = setup();
    const specs = [
      await fixtureSpec('auth', { events, env: { FIXTURE_CRASH: '1' } }),
      await fixtureSpec('api', { dependsOn: ['auth'], events }),
      await fixtureSpec('other', { events }),
    ];
    const supervisor = new Supervisor(specs, options);
    await assert.rejects(supervisor.start(), /auth: exited with code 3; gave up after 2 attempts/);
    const state = supervisor.snapshot();
    assert.equal(state.phase, 'failed');
    assert.match(state.error ?? '', /auth/);
    await supervisor.stop();
    const e = readEvents(events);
    assert.ok(!e.includes('api start'), 'a dependent of a failed component must not start');
    assert.ok(supervisor.snapshot().components.every((c) => c.pid === undefined));
  });

  test('stop during start stops what started and starts nothing more', async () => {
    const { events, options } = setup();
    const specs = [
      await fixtureSpec('slow', { events, env: { FIXTURE_NOT_READY: '1' } }),
      await fixtureSpec('after', { dependsOn: ['slow'], events }),
    ];
    const supervisor = new Supervisor(specs, options);
    const starting = assert.rejects(supervisor.start(), /stopped/);
    await new Promise((r) => setTimeout(r, 300));
    await supervisor.stop();
    await starting;
    assert.ok(!readEvents(events).includes('after start'));
    assert.ok(supervisor.snapshot().components.every((c) => c.pid === undefined));
  });

  test('reconcile starts what is new, stops what is gone, restarts what changed, leaves the rest', async () => {
    const { events, options } = setup();
    const api = await fixtureSpec('api', { events });
    const web = await fixtureSpec('web', { dependsOn: ['api'], events });
    const supervisor = new Supervisor([api, web], options);
    await supervisor.start();
    const pid = (name: string) =>
      supervisor.snapshot().components.find((c) => c.name === name)?.pid;
    const apiPid = pid('api');

    const api1 = await fixtureSpec('api-1', { events });
    const changedWeb = { ...web, env: { ...web.env, MODE: 'fast' }, dependsOn: ['api', 'api-1'] };
    const grown = await supervisor.reconcile([api, api1, changedWeb]);
    assert.deepEqual(grown, { started: ['api-1'], stopped: [], restarted: ['web'] });
    assert.equal(pid('api'), apiPid, 'api kept running');
    assert.deepEqual(
      supervisor.snapshot().components.map((c) => [c.name, c.state]),
      [
        ['api', 'ready'],
        ['api-1', 'ready'],
        ['web', 'ready'],
      ],
    );

    // Only a dependency list changing is not a restart.
    const shrunk = await supervisor.reconcile([api, { ...changedWeb, dependsOn: ['api'] }]);
    assert.deepEqual(shrunk, { started: [], stopped: ['api-1'], restarted: [] });
    assert.equal(pid('api'), apiPid);
    assert.ok(readEvents(events).includes('api-1 term'));
    await supervisor.stop();
  });

  test('reconcile restarts a changed component together with the ones it restarts with', async () => {
    const { events, options } = setup();
    const sidecar = await fixtureSpec('api-proxy', { events });
    const api = {
      ...(await fixtureSpec('api', { dependsOn: ['api-proxy'], events })),
      restartsWith: ['api-proxy'],
    };
    const other = await fixtureSpec('web', { events });
    const supervisor = new Supervisor([sidecar, api, other], options);
    await supervisor.start();
    const webPid = supervisor.snapshot().components.find((c) => c.name === 'web')?.pid;
    const report = await supervisor.reconcile([
      sidecar,
      { ...api, env: { ...api.env, MODE: 'fast' } },
      other,
    ]);
    assert.deepEqual(report, { started: [], stopped: [], restarted: ['api', 'api-proxy'] });
    assert.equal(supervisor.snapshot().components.find((c) => c.name === 'web')?.pid, webPid);
    // The app stopped before its sidecar, and the sidecar started before the app again.
    const e = readEvents(events);
    assert.ok(e.lastIndexOf('api term') < e.lastIndexOf('api-proxy term'));
    assert.ok(e.lastIndexOf('api-proxy listening') < e.lastIndexOf('api listening'));
    await supervisor.stop();
  });

  test('reconcile is refused unless the platform is running', async () => {
    const { options } = setup();
    const supervisor = new Supervisor([await fixtureSpec('api')], options);
    await assert.rejects(supervisor.reconcile([]), /cannot apply a new plan while starting/);
  });
});
