import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { openDatabase } from '@fusion/service-kit';
import { migrations } from './migrations.ts';

const url = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

describe('conversational migrations', () => {
  it('apply cleanly to PostgreSQL and create the conversations table', async (t) => {
    // A throwaway service name, so the real `conversational` schema is never touched.
    const service = `kit-test-conversational-${randomBytes(4).toString('hex')}`;
    const db = await openDatabase({ url, service, migrations }).catch((error: Error) => {
      if (error.message.startsWith('cannot reach PostgreSQL')) return undefined;
      throw error;
    });
    if (db === undefined) {
      t.skip(`PostgreSQL is not reachable at ${url}`);
      return;
    }
    try {
      assert.deepEqual(
        db.appliedMigrations,
        migrations.map((m) => m.id),
      );
      const { rows } = await db.query<{ n: string }>('SELECT count(*) AS n FROM conversations');
      assert.equal(rows[0]?.n, '0');
    } finally {
      await db.query(`DROP SCHEMA ${db.schema} CASCADE`);
      await db.close();
    }
  });
});
