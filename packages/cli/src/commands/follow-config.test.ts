import assert from 'node:assert/strict';
import { mkdtempSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { loadConfigFile } from '@fusion/config';
import type { FusionConfig } from '@fusion/mesh-types';
import type { ComponentSpec, Plan, Supervisor } from '../supervisor/index.ts';
import { followConfig } from './follow-config.ts';

const file = (replicas: number) => `version: 1
services:
  api: { port: 9001, command: [node, api.js], replicas: ${replicas} }
`;

async function until<T>(what: string, value: () => T | undefined): Promise<T> {
  for (let i = 0; i < 500; i++) {
    const found = value();
    if (found !== undefined) return found;
    await sleep(20);
  }
  throw new Error(`timed out waiting for ${what}`);
}

test('a valid change is reconciled once; an invalid one is refused with its position', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fusion-follow-'));
  const configPath = join(dir, 'fusion.yaml');
  writeFileSync(configPath, file(1));
  const running = loadConfigFile(configPath);
  assert.ok(running.ok);
  const applied: string[][] = [];
  const reports: string[] = [];
  const supervisor = {
    reconcile: async (specs: readonly ComponentSpec[]) => {
      applied.push(specs.map((s) => s.name));
      return { started: specs.map((s) => s.name), stopped: [], restarted: [] };
    },
  } as unknown as Supervisor;
  const plan = (config: FusionConfig): Plan => ({
    components: Object.values(config.services).flatMap((s) =>
      Array.from({ length: s.replicas }, (_, i) => ({ name: `${s.name}-${i}` }) as ComponentSpec),
    ),
    databaseUrl: '',
    embeddedPostgres: false,
  });
  const stop = followConfig({
    configPath,
    running: running.config,
    supervisor,
    plan,
    beforeStart: async () => {},
    report: (level, message) => reports.push(`${level}: ${message}`),
  });
  try {
    // Written aside and renamed into place, as editors do.
    writeFileSync(join(dir, 'next.yaml'), file(3));
    renameSync(join(dir, 'next.yaml'), configPath);
    await until('the reload', () => (applied.length > 0 ? true : undefined));
    assert.deepEqual(applied, [['api-0', 'api-1', 'api-2']]);
    assert.match(reports.at(-1)!, /^info: fusion\.yaml reloaded: started api-0, api-1, api-2/);

    writeFileSync(configPath, file(3).replace('replicas: 3', 'replicas: lots'));
    const refusal = await until('the refusal', () => reports.find((r) => r.startsWith('error')));
    assert.match(refusal, /invalid; still running the last good one/);
    assert.match(refusal, /fusion\.yaml:3:\d+: .*replicas/);
    assert.equal(applied.length, 1, 'nothing applied');

    // Back to the running content: nothing to do, nothing applied.
    writeFileSync(configPath, file(3));
    await sleep(600);
    assert.equal(applied.length, 1);
  } finally {
    stop();
  }
});
