/**
 * The identity schema, oldest first. Applied once each by the service kit at start; never edit one
 * that has shipped, add the next. Plain SQL that runs on PostgreSQL 15 and on PGlite (18).
 */
import type { SqlMigration } from '@fusion/service-kit';

export const migrations: readonly SqlMigration[] = [
  {
    id: '001_users',
    sql: `
    CREATE TABLE users (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      email text NOT NULL UNIQUE,
      created_at timestamptz NOT NULL DEFAULT now()
    );
    `,
  },
];
