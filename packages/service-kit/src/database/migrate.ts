/**
 * Applies a service's migrations, each once, each in its own transaction, recording them in
 * `<schema>.schema_migrations`. Replicas starting together serialise on an advisory lock, and a
 * migration is re-checked under the lock, so none runs twice.
 */
import type { Pool, PoolClient } from 'pg';
import { migrationLockKey, quoteIdentifier } from './schema.ts';

/** One migration: plain SQL, portable between PostgreSQL 15 and 18 (PGlite). */
export interface SqlMigration {
  /** Stable and unique, e.g. `001_users`; never rename one that has shipped. */
  readonly id: string;
  readonly sql: string;
}

/** A migration that failed; the transaction was rolled back and nothing was recorded. */
export class MigrationError extends Error {
  readonly code = 'FUSION_ERR_DB_MIGRATION';
  constructor(
    readonly migrationId: string,
    readonly schema: string,
    cause: Error,
  ) {
    // The reason is in the message; as a `cause` too, pino would print it twice.
    super(`migration "${migrationId}" in schema ${schema} failed: ${cause.message}`);
    this.name = 'MigrationError';
  }
}

/** Creates the schema if needed and applies what is missing; returns the ids it applied. */
export async function runMigrations(
  pool: Pool,
  schema: string,
  migrations: readonly SqlMigration[],
): Promise<string[]> {
  checkIds(migrations);
  const q = quoteIdentifier(schema);
  const [lockClass, lockId] = migrationLockKey(schema);
  const lock = (client: PoolClient) =>
    client.query('SELECT pg_advisory_xact_lock($1, $2)', [lockClass, lockId]);

  const done = await inTransaction(pool, async (client) => {
    await lock(client);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${q}`);
    await client.query(
      `CREATE TABLE IF NOT EXISTS ${q}.schema_migrations (
         id text PRIMARY KEY,
         applied_at timestamptz NOT NULL DEFAULT now()
       )`,
    );
    const { rows } = await client.query<{ id: string }>(`SELECT id FROM ${q}.schema_migrations`);
    return new Set(rows.map((row) => row.id));
  });

  const applied: string[] = [];
  for (const migration of migrations) {
    if (done.has(migration.id)) continue;
    await inTransaction(pool, async (client) => {
      await lock(client);
      // SET LOCAL rather than a session setting: it cannot leak to whoever uses the session next.
      await client.query(`SET LOCAL search_path TO ${q}`);
      const seen = await client.query('SELECT 1 FROM schema_migrations WHERE id = $1', [
        migration.id,
      ]);
      if (seen.rowCount) return;
      try {
        await client.query(migration.sql);
      } catch (error) {
        throw new MigrationError(migration.id, schema, error as Error);
      }
      await client.query('INSERT INTO schema_migrations (id) VALUES ($1)', [migration.id]);
      applied.push(migration.id);
    });
  }
  return applied;
}

/** Runs `work` between BEGIN and COMMIT on one pooled connection, rolling back on error. */
export async function inTransaction<T>(
  pool: Pool,
  work: (client: PoolClient) => Promise<T>,
): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch((rollbackError: Error) => {
      broken = rollbackError;
    });
    throw error;
  } finally {
    // A connection that could not roll back is discarded rather than reused mid-transaction.
    client.release(broken);
  }
}

function checkIds(migrations: readonly SqlMigration[]): void {
  const seen = new Set<string>();
  for (const { id } of migrations) {
    if (id.trim() === '') throw new TypeError('a migration has an empty id');
    if (seen.has(id)) throw new TypeError(`migration id "${id}" is used twice`);
    seen.add(id);
  }
}
