/**
 * Test helpers for the kit and for services (`@fusion/service-kit/testing`): the real servers
 * the tests use, and a ready-made test for a service's migrations. Not for production code.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import pg from 'pg';
import { openDatabase, type SqlMigration } from './database/index.ts';

/** The PostgreSQL the tests use: TEST_DATABASE_URL, or the machine's server with database `test`. */
export const testDatabaseUrl =
  process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
/** The Redis the tests use: TEST_REDIS_URL, or the machine's server. */
export const testRedisUrl = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Whether a PostgreSQL server answers at `url` within a second. */
export async function postgresReachable(url = testDatabaseUrl): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1000 });
  try {
    await client.connect();
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

/**
 * Registers a test that applies `migrations` to a throwaway schema on the test server (so a
 * service's real schema is never touched), checks each ran once and each table exists, then
 * drops the schema.
 */
export function testMigrations(
  service: string,
  migrations: readonly SqlMigration[],
  tables: readonly string[],
): void {
  test(`${service} migrations apply to PostgreSQL and create ${tables.join(', ')}`, async (t) => {
    if (!(await postgresReachable())) {
      t.skip(`PostgreSQL is not reachable at ${testDatabaseUrl}`);
      return;
    }
    const throwaway = `kit-test-${service}-${randomBytes(4).toString('hex')}`;
    const db = await openDatabase({ url: testDatabaseUrl, service: throwaway, migrations });
    try {
      assert.deepEqual(
        db.appliedMigrations,
        migrations.map((m) => m.id),
      );
      for (const table of tables) {
        const { rows } = await db.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`);
        assert.equal(rows[0]?.n, '0', `${table} exists and is empty`);
      }
    } finally {
      await db.query(`DROP SCHEMA ${db.schema} CASCADE`);
      await db.close();
    }
  });
}
