import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import pg from 'pg';
import { postgresReachable } from '../testing.ts';
import { buildService } from './create-service.ts';

const databaseUrl = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const redisUrl = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

async function redisUp(): Promise<boolean> {
  const probe = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 0 });
  probe.on('error', () => {});
  try {
    await probe.connect();
    return true;
  } catch {
    return false;
  } finally {
    probe.disconnect();
  }
}

const [pgUp, kvUp] = await Promise.all([postgresReachable(databaseUrl), redisUp()]);
const skip = pgUp && kvUp ? false : `needs PostgreSQL at ${databaseUrl} and Redis at ${redisUrl}`;
const quiet = { write: () => {} };

describe('a service with a database and Redis', { skip }, () => {
  const service = `kit-test-${randomBytes(4).toString('hex')}`;
  const schema = service.replace(/-/g, '_');

  after(async () => {
    const admin = new pg.Client({ connectionString: databaseUrl });
    await admin.connect();
    await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await admin.end();
    const raw = new Redis(redisUrl);
    const keys = await raw.keys(`${service}:*`);
    if (keys.length > 0) await raw.del(...keys);
    await raw.quit();
  });

  it('migrates, checks both on /ready and closes them with the app', async () => {
    const { app, ctx } = await buildService({
      name: service,
      version: '1.0.0',
      env: { PORT: '18998', DATABASE_URL: databaseUrl, REDIS_URL: redisUrl },
      database: { migrations: [{ id: '001_notes', sql: 'CREATE TABLE notes (body text)' }] },
      logDestination: quiet,
    });
    try {
      assert.equal(ctx.db?.schema, schema);
      assert.deepEqual(ctx.db?.appliedMigrations, ['001_notes']);
      assert.equal(ctx.kv.kind, 'redis');
      const res = await app.inject('/ready');
      assert.equal(res.statusCode, 200);
      assert.deepEqual(res.json(), { status: 'ready', checks: { database: 'ok', kv: 'ok' } });
    } finally {
      await app.close();
    }
    await assert.rejects(ctx.db!.ping());
    await assert.rejects(ctx.kv.ping(), { code: 'FUSION_ERR_KV_CLOSED' });
  });

  it('fails to start, saying why, when Redis cannot be reached', async () => {
    await assert.rejects(
      buildService({
        name: service,
        version: '1.0.0',
        env: { PORT: '18998', DATABASE_URL: databaseUrl, REDIS_URL: 'redis://127.0.0.1:1' },
        database: { migrations: [] },
        logDestination: quiet,
      }),
      /^Error: cannot reach Redis at redis:\/\/127\.0\.0\.1:1: /,
    );
  });
});
