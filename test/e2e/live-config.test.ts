/**
 * Live configuration under `fusion up --detach`: `fusion config apply` of a valid change is
 * reported by `fusion config show` and reaches the sidecar it concerns, pushed; an invalid one
 * is refused with its position, the old version stays in force and traffic is untouched.
 */
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { eventually, getJson, preparePlatform, type StatusJson } from './helpers/platform.ts';

interface ShownConfig {
  readonly version: string;
  readonly generation: number;
  readonly file: string;
  readonly lastError: { errors: { text: string; line: number }[] } | null;
}

describe('live config under fusion up', () => {
  const platform = preparePlatform(7500);
  const gateway = `http://127.0.0.1:${platform.ports['api-gateway']}`;
  const drafts = join(platform.dir, 'drafts');
  let status: StatusJson;
  let original: string;

  const shown = async (): Promise<ShownConfig> => {
    const show = await platform.fusion(['config', 'show', '--json']);
    assert.equal(show.code, 0, show.stderr);
    return JSON.parse(show.stdout) as ShownConfig;
  };
  /** The policy the ai-kernel sidecar holds now, from its admin /config. */
  const kernelPolicy = async (): Promise<string | null> => {
    const admin = status.components.find((c) => c.name === 'ai-kernel-proxy')!.sidecar!.admin;
    const config = (await getJson(`http://${admin}/config`)).body as {
      policy: { version: string | null } | null;
    };
    return config.policy?.version ?? null;
  };
  const draft = (name: string, text: string) => {
    const path = join(drafts, name);
    writeFileSync(path, text);
    return path;
  };

  before(async () => {
    mkdirSync(drafts);
    original = readFileSync(platform.configPath, 'utf8');
    const up = await platform.fusion(['up', '--detach']);
    assert.equal(up.code, 0, `fusion up failed:\n${up.stdout}\n${up.stderr}`);
    status = await platform.status();
  });
  after(() => platform.cleanup());

  test('a valid change is applied: config show reports the new version, the sidecar holds the new policy', async () => {
    const before = await shown();
    assert.equal(before.generation, 1);
    assert.equal(before.file, platform.configPath);
    const policyBefore = await eventually(
      'the first policy at the ai-kernel sidecar',
      kernelPolicy,
    );

    const began = performance.now();
    const apply = await platform.fusion([
      'config',
      'apply',
      draft('more-retries.yaml', original.replace('attempts: 3', 'attempts: 4')),
    ]);
    assert.equal(apply.code, 0, `${apply.stdout}\n${apply.stderr}`);
    assert.match(
      apply.stdout,
      /^applied .*more-retries\.yaml: version sha256:[0-9a-f]{16} \(generation 2\), was /m,
    );
    const policyAfter = await eventually('the new policy at the ai-kernel sidecar', async () => {
      const version = await kernelPolicy();
      return version !== policyBefore ? version : undefined;
    });
    console.log(
      `# fusion config apply -> ai-kernel sidecar holds the new policy: ${(performance.now() - began).toFixed(0)} ms (CLI start and validation included)`,
    );

    const after = await shown();
    assert.equal(after.generation, 2);
    assert.notEqual(after.version, before.version);
    const api = status.components.find((c) => c.name === 'control-plane')!.addresses.at(-1);
    const policy = await getJson(`http://${api}/api/v1/policies/ai-kernel`);
    assert.equal(policy.body.version, policyAfter);
    assert.equal(
      readFileSync(platform.configPath, 'utf8'),
      original.replace('attempts: 3', 'attempts: 4'),
    );
  });

  test("an editor's save of the running file is pushed to the sidecar it concerns", async () => {
    const before = await kernelPolicy();
    const text = readFileSync(platform.configPath, 'utf8').replace('attempts: 4', 'attempts: 5');
    // As editors save: a new file renamed over the old one.
    const temp = join(platform.dir, '.fusion.yaml.save');
    writeFileSync(temp, text);
    const writtenAt = Date.now();
    renameSync(temp, platform.configPath);
    const held = await eventually('the saved policy at the ai-kernel sidecar', async () => {
      const admin = status.components.find((c) => c.name === 'ai-kernel-proxy')!.sidecar!.admin;
      const { policy } = (await getJson(`http://${admin}/config`)).body as {
        policy: { version: string; receivedAt: string };
      };
      return policy.version !== before ? policy : undefined;
    });
    // The sidecar's own arrival time, on this host's clock: no polling delay in the figure.
    const applied = await eventually('the control plane to log the reload', async () =>
      readFileSync(join(platform.stateDir, 'logs', 'control-plane.log'), 'utf8')
        .split('\n')
        .filter((line) => line.includes('"config applied"'))
        .map((line) => JSON.parse(line) as { time: string; generation: number })
        .find((line) => line.generation === 3),
    );
    const appliedAt = Date.parse(applied.time);
    console.log(
      `# fusion.yaml renamed -> ai-kernel sidecar received the new policy: ${Date.parse(held.receivedAt) - writtenAt} ms` +
        ` (control plane applied it after ${appliedAt - writtenAt} ms, 100 ms of it the quiet period)`,
    );
    assert.equal((await shown()).generation, 3);
  });

  test('an invalid change is refused with its position; the old version stays in force and traffic flows', async () => {
    const before = await shown();
    const policyBefore = await kernelPolicy();
    const broken = draft('broken.yaml', original.replace('attempts: 3', 'attempts: many'));
    const apply = await platform.fusion(['config', 'apply', broken]);
    assert.equal(apply.code, 1);
    assert.match(
      apply.stderr,
      /broken\.yaml:\d+:\d+: trafficPolicies\[0\]\.policy\.traffic\[0\]\.policy\.retries\.attempts: /,
    );
    assert.match(apply.stderr, /nothing applied/);

    // Written straight into the running file (an editor's save): the control plane refuses it.
    writeFileSync(platform.configPath, readFileSync(broken, 'utf8'));
    const refused = await eventually('the refusal in config show', async () => {
      const config = await shown();
      return config.lastError ? config : undefined;
    });
    assert.equal(refused.version, before.version, 'the last good config stays in force');
    assert.equal(refused.generation, before.generation);
    assert.match(refused.lastError!.errors[0]!.text, /fusion\.yaml:\d+:\d+: .*retries\.attempts/);
    const text = await platform.fusion(['config', 'show']);
    assert.match(text.stdout, /^last error {2}the file on disk was refused at /m);
    assert.equal(await kernelPolicy(), policyBefore);
    assert.equal((await getJson(`${gateway}/health`)).status, 200);
  });
});
