/** PostgreSQL for services that own data: pool, own schema, migrations. */
export type {
  Database,
  OpenDatabaseOptions,
  Queryable,
  QueryResult,
  QueryResultRow,
} from './database.ts';
export { openDatabase } from './database.ts';
export type { SqlMigration } from './migrate.ts';
export { MigrationError } from './migrate.ts';
export { schemaNameFor } from './schema.ts';
