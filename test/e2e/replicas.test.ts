/**
 * Replicas under `fusion up`: ai-kernel at 3 instances, each behind its own sidecar on its own
 * loopback address; the gateway's sidecar spreads requests over them; scaling down by editing
 * fusion.yaml drains one with no failed request and restarts nothing else; an invalid edit is
 * refused with its position while traffic goes on.
 */
import assert from 'node:assert/strict';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { steadyLoad, sumSamples } from './helpers/load.ts';
import { eventually, preparePlatform, type StatusJson } from './helpers/platform.ts';

const GATEWAY_ID = 'client_id="api-gateway.default.serviceaccount.identity.cluster.local"';
const KERNELS = ['ai-kernel', 'ai-kernel-1', 'ai-kernel-2'];

describe('replicas under fusion up', () => {
  const platform = preparePlatform(7600, (text) =>
    text.replace(/( {2}ai-kernel:\n {4}port: \d+\n)/, '$1    replicas: 3\n'),
  );
  const whoami = `http://127.0.0.1:${platform.ports['api-gateway']}/v1/whoami`;
  let status: StatusJson;

  const rewriteConfig = (change: (text: string) => string) => {
    const next = `${platform.configPath}.next`;
    writeFileSync(next, change(readFileSync(platform.configPath, 'utf8')));
    renameSync(next, platform.configPath);
  };
  const gatewayCalls = async (instance: string) => {
    const admin = status.components.find((c) => c.name === `${instance}-proxy`)!.sidecar!.admin;
    const text = await (await fetch(`http://${admin}/metrics`)).text();
    return sumSamples(text, 'request_total', ['direction="inbound"', GATEWAY_ID]);
  };
  const pids = (s: StatusJson, except: readonly string[] = []) =>
    Object.fromEntries(
      s.components
        .filter((c) => !except.some((name) => c.name === name || c.name === `${name}-proxy`))
        .map((c) => [c.name, c.pid]),
    );

  before(async () => {
    const up = await platform.fusion(['up', '--detach']);
    assert.equal(up.code, 0, `fusion up failed:\n${up.stdout}\n${up.stderr}`);
    status = await platform.status();
  });
  after(() => platform.cleanup());

  test('three instances, each behind its own sidecar on its own loopback address', () => {
    const port = platform.ports['ai-kernel']!;
    KERNELS.forEach((name, i) => {
      const sidecar = status.components.find((c) => c.name === `${name}-proxy`)?.sidecar;
      assert.equal(sidecar?.inbound, `127.0.0.${i + 1}:${port}`);
      assert.equal(status.components.find((c) => c.name === name)?.state, 'ready');
    });
  });

  test('3,000 requests through the gateway spread over all three (each 20–47 %)', async () => {
    const before = await Promise.all(KERNELS.map(gatewayCalls));
    const outcome = await steadyLoad({ url: whoami, rate: 300, durationMs: 10_000 });
    assert.equal(outcome.sent, 3000);
    assert.deepEqual(outcome.failures, []);
    const after = await Promise.all(KERNELS.map(gatewayCalls));
    const shares = after.map((n, i) => (n - before[i]!) / 3000);
    console.log(`# shares: ${shares.map((s) => `${(s * 100).toFixed(1)} %`).join(', ')}`);
    for (const [i, share] of shares.entries()) {
      assert.ok(share >= 0.2 && share <= 0.47, `${KERNELS[i]} took ${(share * 100).toFixed(1)} %`);
    }
  });

  test('scaling 3 → 2 in fusion.yaml stops one instance under load: no failed request, nothing else restarted', async () => {
    const others = pids(status, ['ai-kernel-2']);
    let scaled: () => void = () => {};
    const done = new Promise<void>((resolve) => {
      scaled = resolve;
    });
    const load = steadyLoad({ url: whoami, rate: 100, durationMs: 30_000, until: done });
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    rewriteConfig((text) => text.replace('replicas: 3', 'replicas: 2'));
    const shrunk = await eventually('ai-kernel-2 to be gone from fusion status', async () => {
      const now = await platform.status();
      return now.components.some((c) => c.name.startsWith('ai-kernel-2')) ? undefined : now;
    });
    // Some more traffic on the two that are left, then stop.
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    scaled();
    const outcome = await load;
    assert.ok(outcome.sent > 200, `sent ${outcome.sent}`);
    assert.deepEqual(outcome.failures, []);
    assert.deepEqual(pids(shrunk), others, 'no other component was restarted');
    const log = readFileSync(join(platform.stateDir, 'logs/supervisor.log'), 'utf8');
    assert.match(
      log,
      /fusion\.yaml reloaded: stopped (ai-kernel-2-proxy, ai-kernel-2|ai-kernel-2, ai-kernel-2-proxy)"/,
    );
    status = shrunk;
  });

  test('an invalid edit is refused with its position; traffic and processes are untouched', async () => {
    const running = pids(status);
    let edited: () => void = () => {};
    const done = new Promise<void>((resolve) => {
      edited = resolve;
    });
    const load = steadyLoad({ url: whoami, rate: 50, durationMs: 30_000, until: done });
    rewriteConfig((text) => text.replace('replicas: 2', 'replicas: two'));
    const refusal = await eventually('the refusal in the supervisor log', async () => {
      const log = readFileSync(join(platform.stateDir, 'logs/supervisor.log'), 'utf8');
      return log.split('\n').find((line) => line.includes('is invalid; still running'));
    });
    assert.match(refusal, /fusion\.yaml:\d+:\d+: .*replicas/);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    edited();
    const outcome = await load;
    assert.deepEqual(outcome.failures, []);
    assert.deepEqual(pids(await platform.status()), running);
  });

  test('scaling back 2 → 3 under load: the new instance gets traffic only once ready, no failed request', async () => {
    const running = pids(await platform.status());
    let grown: () => void = () => {};
    const done = new Promise<void>((resolve) => {
      grown = resolve;
    });
    const load = steadyLoad({ url: whoami, rate: 100, durationMs: 120_000, until: done });
    rewriteConfig((text) => text.replace('replicas: two', 'replicas: 3'));
    status = await eventually(
      'ai-kernel-2 ready again',
      async () => {
        const now = await platform.status();
        return now.components.find((c) => c.name === 'ai-kernel-2')?.state === 'ready'
          ? now
          : undefined;
      },
      60_000,
    );
    // A new endpoint is weighed at Linkerd's default 30 ms until it has answered, and that
    // decays over ~10 s: it is brought in gradually, not at once, so wait for its share.
    await eventually(
      'the new instance to take traffic',
      async () => ((await gatewayCalls('ai-kernel-2')) > 0 ? true : undefined),
      45_000,
    );
    grown();
    const outcome = await load;
    assert.deepEqual(outcome.failures, []);
    const after = pids(status, ['ai-kernel-2']);
    for (const [name, pid] of Object.entries(after)) assert.equal(pid, running[name], name);
  });
});
