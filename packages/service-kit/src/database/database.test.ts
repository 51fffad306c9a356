import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, describe, it } from 'node:test';
import { type SpanRecord, Tracer } from '@fusion/telemetry';
import pg from 'pg';
import { postgresReachable } from '../testing.ts';
import { runWithSpanContext } from '../tracing/index.ts';
import { openDatabase } from './database.ts';
import { MigrationError, type SqlMigration } from './migrate.ts';
import { schemaNameFor } from './schema.ts';

const url = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

const skip = (await postgresReachable(url)) ? false : `PostgreSQL is not reachable at ${url}`;

const users: SqlMigration = {
  id: '001_users',
  sql: `CREATE TABLE users (
          id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
          email text NOT NULL UNIQUE,
          created_at timestamptz NOT NULL DEFAULT now()
        );
        INSERT INTO users (email) VALUES ('first@example.com');`,
};
const names: SqlMigration = { id: '002_names', sql: 'ALTER TABLE users ADD COLUMN name text' };

describe('openDatabase against PostgreSQL', { skip }, () => {
  const run = randomBytes(4).toString('hex');
  let services = 0;
  const schemas: string[] = [];
  /** A throwaway service name whose schema is dropped after the suite. */
  const freshService = () => {
    const service = `kit-test-${run}-${++services}`;
    schemas.push(schemaNameFor(service));
    return service;
  };
  const admin = new pg.Pool({ connectionString: url, max: 1 });

  after(async () => {
    for (const schema of schemas) await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await admin.end();
  });

  it('creates the schema named after the service and applies migrations into it', async () => {
    const service = freshService();
    const db = await openDatabase({ url, service, migrations: [users] });
    try {
      assert.equal(db.schema, `kit_test_${run}_${services}`);
      assert.equal(db.sharedSession, false);
      assert.deepEqual(db.appliedMigrations, ['001_users']);
      const tables = await admin.query(
        'SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY 1',
        [db.schema],
      );
      assert.deepEqual(
        tables.rows.map((r) => r.table_name),
        ['schema_migrations', 'users'],
      );
      // Unqualified names resolve in the service's schema.
      const { rows } = await db.query<{ email: string }>('SELECT email FROM users');
      assert.deepEqual(rows, [{ email: 'first@example.com' }]);
    } finally {
      await db.close();
    }
  });

  it('applies each migration once: a second start applies only what is new', async () => {
    const service = freshService();
    const first = await openDatabase({ url, service, migrations: [users] });
    await first.close();
    const second = await openDatabase({ url, service, migrations: [users, names] });
    const third = await openDatabase({ url, service, migrations: [users, names] });
    try {
      assert.deepEqual(second.appliedMigrations, ['002_names']);
      assert.deepEqual(third.appliedMigrations, []);
      const recorded = await third.query<{ id: string }>(
        'SELECT id FROM schema_migrations ORDER BY id',
      );
      assert.deepEqual(
        recorded.rows.map((r) => r.id),
        ['001_users', '002_names'],
      );
      const count = await third.query<{ n: string }>('SELECT count(*) AS n FROM users');
      assert.equal(count.rows[0]?.n, '1', 'the seed row of 001 was inserted once');
    } finally {
      await Promise.all([second.close(), third.close()]);
    }
  });

  it('lets replicas start together without applying a migration twice', async () => {
    const service = freshService();
    const opened = await Promise.all(
      [1, 2, 3].map(() => openDatabase({ url, service, migrations: [users, names] })),
    );
    try {
      const applied = opened.flatMap((db) => db.appliedMigrations).sort();
      assert.deepEqual(applied, ['001_users', '002_names']);
      const count = await opened[0]!.query<{ n: string }>('SELECT count(*) AS n FROM users');
      assert.equal(count.rows[0]?.n, '1');
    } finally {
      await Promise.all(opened.map((db) => db.close()));
    }
  });

  it('rolls a failing migration back entirely and names it', async () => {
    const service = freshService();
    const broken: SqlMigration = {
      id: '002_broken',
      sql: 'CREATE TABLE half_done (id int); SELECT no_such_column FROM users',
    };
    await assert.rejects(openDatabase({ url, service, migrations: [users, broken] }), (error) => {
      assert.ok(error instanceof MigrationError);
      assert.equal(error.migrationId, '002_broken');
      assert.match(
        error.message,
        /^migration "002_broken" in schema kit_test_\w+ failed: .*no_such_column/,
      );
      return true;
    });
    const schema = schemaNameFor(service);
    const tables = await admin.query(
      'SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY 1',
      [schema],
    );
    assert.deepEqual(
      tables.rows.map((r) => r.table_name),
      ['schema_migrations', 'users'],
    );
    const recorded = await admin.query(`SELECT id FROM "${schema}".schema_migrations`);
    assert.deepEqual(
      recorded.rows.map((r) => r.id),
      ['001_users'],
    );
  });

  it('commits a transaction that resolves and rolls back one that throws', async () => {
    const db = await openDatabase({ url, service: freshService(), migrations: [users] });
    try {
      await db.transaction(async (tx) => {
        await tx.query('INSERT INTO users (email) VALUES ($1)', ['kept@example.com']);
      });
      await assert.rejects(
        db.transaction(async (tx) => {
          await tx.query('INSERT INTO users (email) VALUES ($1)', ['lost@example.com']);
          throw new Error('changed my mind');
        }),
        /changed my mind/,
      );
      const { rows } = await db.query<{ email: string }>('SELECT email FROM users ORDER BY email');
      assert.deepEqual(
        rows.map((r) => r.email),
        ['first@example.com', 'kept@example.com'],
      );
      await db.ping();
    } finally {
      await db.close();
    }
  });

  it("records a span per query of a traced request, in and out of transactions; not the kit's own", async () => {
    const spans: SpanRecord[] = [];
    const tracer = new Tracer({ sampling: 1, sink: { add: (span) => spans.push(span) } });
    const db = await openDatabase({ url, service: freshService(), migrations: [users], tracer });
    try {
      const request = { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7' };
      await runWithSpanContext({ ...request, sampled: true }, async () => {
        await db.query('SELECT email FROM users WHERE email = $1', ['secret@example.com']);
        await db.transaction(async (tx) => {
          await tx.query('INSERT INTO users (email) VALUES ($1)', ['secret@example.com']);
        });
        await db.ping();
      });
      await db.query('SELECT 1');
      assert.deepEqual(
        spans.map((span) => [span.name, span.parentSpanId, span.attributes['db.statement']]),
        [
          ['SELECT', request.spanId, 'SELECT email FROM users WHERE email = $1'],
          ['INSERT', request.spanId, 'INSERT INTO users (email) VALUES ($1)'],
        ],
      );
      assert.ok(!JSON.stringify(spans).includes('secret@'), 'no parameter values');
    } finally {
      await db.close();
    }
  });

  it('refuses duplicate migration ids before touching the database', async () => {
    await assert.rejects(
      openDatabase({
        url,
        service: freshService(),
        migrations: [users, { ...names, id: users.id }],
      }),
      /migration id "001_users" is used twice/,
    );
  });
});

describe('openDatabase without a server', () => {
  it('says which server it could not reach, without the password', async () => {
    await assert.rejects(
      openDatabase({
        url: 'postgres://app:hunter2@127.0.0.1:1/test',
        service: 'kit-test',
        migrations: [],
      }),
      (error: Error) => {
        assert.match(
          error.message,
          /^cannot reach PostgreSQL at postgres:\/\/\*\*\*@127\.0\.0\.1:1\/test: .*ECONNREFUSED/,
        );
        assert.doesNotMatch(error.message, /hunter2/);
        return true;
      },
    );
  });
});
