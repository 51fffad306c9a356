/**
 * `fusion up` in the foreground against the machine's real PostgreSQL (DATABASE_URL set):
 * schemas land in that server, and Ctrl-C (SIGINT) stops everything with exit code 0.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { anyAlive, eventually, preparePlatform, repoRoot } from './helpers/platform.ts';

const ADMIN_URL = process.env.FUSION_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const database = `fusion_e2e_${process.pid}`;
const databaseUrl = ADMIN_URL.replace(/\/[^/]*$/, `/${database}`);

async function admin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: ADMIN_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

describe('fusion up in the foreground with DATABASE_URL', () => {
  const platform = preparePlatform(7200);

  before(() => admin(`create database ${database}`));
  after(async () => {
    await platform.cleanup();
    await admin(`drop database if exists ${database} with (force)`);
  });

  test('uses the real server, then Ctrl-C stops everything and exits 0', async () => {
    const child = spawn(
      process.execPath,
      [join(repoRoot, 'packages/cli/bin/fusion.mjs'), '--config', platform.configPath, 'up'],
      {
        env: { ...process.env, DATABASE_URL: databaseUrl, CI: '1' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let output = '';
    child.stdout.on('data', (chunk) => {
      output += chunk;
    });
    child.stderr.on('data', (chunk) => {
      output += chunk;
    });
    const exited = once(child, 'exit');

    const status = await eventually(
      'the platform to be running',
      async () => {
        const s = await platform.status();
        return s.phase === 'running' ? s : undefined;
      },
      120_000,
    );
    assert.ok(
      !status.components.some((c) => c.name === 'postgres'),
      'no embedded server with DATABASE_URL',
    );
    assert.match(output, /PostgreSQL from DATABASE_URL/);

    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    const { rows } = await client.query<{ schema_name: string }>(
      'select schema_name from information_schema.schemata',
    );
    await client.end();
    const schemas = rows.map((r) => r.schema_name);
    for (const schema of [
      'identity',
      'cv_engine',
      'conversational',
      'analytics',
      'automation',
      'plugin',
    ]) {
      assert.ok(schemas.includes(schema), `schema ${schema} in the real server`);
    }

    const pids = status.components.map((c) => c.pid!);
    child.kill('SIGINT');
    const [code] = await exited;
    assert.equal(code, 0, output.slice(-2000));
    assert.equal(anyAlive(pids), false, 'every child process is gone');
    assert.match(output, /SIGINT received; stopping in reverse order/);
  });
});
