/**
 * A service's PostgreSQL access: a small pool whose every query runs in the service's own schema.
 *
 * Two kinds of server sit behind DATABASE_URL. A real PostgreSQL gives each connection its own
 * session, so `search_path` is set once per connection through the startup `options`. The
 * embedded server (PGlite behind pglite-socket) multiplexes every connection of every service onto
 * ONE session and ignores startup options: a session-level search_path would be shared by all
 * services. So at open we check whether our startup parameters took effect; when they did not,
 * each query runs in a short transaction that begins with `SET LOCAL search_path`.
 */
import { randomBytes } from 'node:crypto';
import type { Tracer } from '@fusion/telemetry';
import pg from 'pg';
import { inTransaction, runMigrations, type SqlMigration } from './migrate.ts';
import { quoteIdentifier, schemaNameFor } from './schema.ts';
import { traceQuery } from './traced-query.ts';

export type { QueryResult, QueryResultRow } from 'pg';

/** What can run a query: the database itself, or the handle inside a transaction. */
export interface Queryable {
  query<R extends pg.QueryResultRow = pg.QueryResultRow>(
    text: string,
    values?: readonly unknown[],
  ): Promise<pg.QueryResult<R>>;
}

export interface Database extends Queryable {
  /** The schema every unqualified name resolves to, e.g. `cv_engine`. */
  readonly schema: string;
  /** True on a server that shares one session among connections (the embedded one). */
  readonly sharedSession: boolean;
  /** Migration ids applied by this open (empty when the schema was up to date). */
  readonly appliedMigrations: readonly string[];
  /**
   * Runs `work` in one transaction, committed when it resolves, rolled back when it throws.
   * Statements that cannot run inside a transaction (CREATE INDEX CONCURRENTLY) do not belong here
   * or in `query` on the embedded server.
   */
  transaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T>;
  /** `select 1`, for readiness. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export interface OpenDatabaseOptions {
  readonly url: string;
  /** Service name; the schema is named after it (`-` becomes `_`). */
  readonly service: string;
  readonly migrations: readonly SqlMigration[];
  /** Told about errors on idle connections (which would otherwise crash the process). */
  readonly onError?: (error: Error) => void;
  /** Records a client span per query made inside a sampled request (not migrations, not ping). */
  readonly tracer?: Tracer;
}

/** Opens the pool, creates the schema and applies missing migrations. */
export async function openDatabase(options: OpenDatabaseOptions): Promise<Database> {
  const schema = schemaNameFor(options.service);
  // A value only this open would set: if a fresh connection does not echo it, startup
  // parameters are being ignored and the session is shared.
  const probe = `${options.service}-${randomBytes(4).toString('hex')}`;
  const pool = new pg.Pool({
    connectionString: options.url,
    // Small on purpose: the embedded server serialises everything onto one session anyway.
    max: 4,
    idleTimeoutMillis: 30_000,
    connectionTimeoutMillis: 5_000,
    application_name: probe,
    options: `-c search_path=${schema}`,
  });
  pool.on('error', (error) => options.onError?.(error));
  try {
    const { rows } = await pool
      .query<{ name: string }>("SELECT current_setting('application_name') AS name")
      .catch((error: Error) => {
        const where = options.url.replace(/\/\/[^@/]*@/, '//***@');
        // No `cause`: pino would print the same reason twice.
        throw new Error(`cannot reach PostgreSQL at ${where}: ${error.message}`);
      });
    const sharedSession = rows[0]?.name !== probe;
    const applied = await runMigrations(pool, schema, options.migrations);
    return new PgDatabase(pool, schema, sharedSession, applied, options.tracer);
  } catch (error) {
    await pool.end().catch(() => {});
    throw error;
  }
}

class PgDatabase implements Database {
  readonly #pool: pg.Pool;
  readonly #setSearchPath: string;
  readonly #tracer: Tracer | undefined;

  constructor(
    pool: pg.Pool,
    readonly schema: string,
    readonly sharedSession: boolean,
    readonly appliedMigrations: readonly string[],
    tracer: Tracer | undefined,
  ) {
    this.#pool = pool;
    this.#setSearchPath = `SET LOCAL search_path TO ${quoteIdentifier(schema)}`;
    this.#tracer = tracer;
  }

  query<R extends pg.QueryResultRow = pg.QueryResultRow>(
    text: string,
    values?: readonly unknown[],
  ): Promise<pg.QueryResult<R>> {
    if (!this.sharedSession) {
      return traceQuery(this.#tracer, text, () =>
        this.#pool.query<R>(text, values as unknown[] | undefined),
      );
    }
    // The statement's span comes from `tx.query`; the SET LOCAL around it is not the app's.
    return this.transaction((tx) => tx.query<R>(text, values));
  }

  transaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T> {
    return inTransaction(this.#pool, async (client) => {
      if (this.sharedSession) await client.query(this.#setSearchPath);
      return work({
        query: <R extends pg.QueryResultRow>(text: string, values?: readonly unknown[]) =>
          traceQuery(this.#tracer, text, () =>
            client.query<R>(text, values as unknown[] | undefined),
          ),
      });
    });
  }

  async ping(): Promise<void> {
    await this.#pool.query('SELECT 1');
  }

  close(): Promise<void> {
    return this.#pool.end();
  }
}
