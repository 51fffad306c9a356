/**
 * The control plane dies under load: sidecars keep routing on the endpoints they hold, the
 * supervisor brings it back, and the sidecars' re-registrations rebuild its registry.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { steadyLoad, sumSamples } from './helpers/load.ts';
import { eventually, preparePlatform } from './helpers/platform.ts';

describe('losing the control plane under load', () => {
  const platform = preparePlatform(7700);
  const whoami = `http://127.0.0.1:${platform.ports['api-gateway']}/v1/whoami`;
  const controlPlaneMetrics = `http://127.0.0.1:${7700 + 90}/metrics`;
  const registered = async () =>
    sumSamples(await (await fetch(controlPlaneMetrics)).text(), 'destination_endpoints');

  before(async () => {
    const up = await platform.fusion(['up', '--detach']);
    assert.equal(up.code, 0, `fusion up failed:\n${up.stdout}\n${up.stderr}`);
  });
  after(() => platform.cleanup());

  test('200 rps through the gateway for 60 s, the control plane killed twice: no failed request, registry whole again', async () => {
    assert.equal(await registered(), 9, 'one endpoint per service before');
    const load = steadyLoad({ url: whoami, rate: 200, durationMs: 60_000 });
    for (const at of [10_000, 25_000]) {
      await sleep(at === 10_000 ? at : at - 10_000);
      const cp = (await platform.status()).components.find((c) => c.name === 'control-plane')!;
      process.kill(cp.pid!, 'SIGKILL');
      const killedAt = performance.now();
      // The supervisor restarts it; every sidecar registers again within a lease.
      await eventually(
        'the registry to hold all nine services again',
        async () => ((await registered()) === 9 ? true : undefined),
        20_000,
      );
      const seconds = (performance.now() - killedAt) / 1000;
      // Reported, not asserted: the machine is shared (the goal is under 10 s).
      console.log(`# registry whole ${seconds.toFixed(1)} s after the kill`);
    }
    const outcome = await load;
    console.log(`# ${outcome.sent} requests, ${outcome.failures.length} failed`);
    assert.equal(outcome.sent, 12_000);
    assert.deepEqual(outcome.failures, []);
    const cp = (await platform.status()).components.find((c) => c.name === 'control-plane')!;
    assert.equal(cp.state, 'ready');
    assert.equal(cp.restarts, 2);
  });
});
