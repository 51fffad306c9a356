/**
 * The automation schema, oldest first. Applied once each by the service kit at start; never edit one
 * that has shipped, add the next. Plain SQL that runs on PostgreSQL 15 and on PGlite (18).
 */
import type { SqlMigration } from '@fusion/service-kit';

export const migrations: readonly SqlMigration[] = [
  {
    id: '001_workflows',
    sql: `
    CREATE TABLE workflows (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      name text NOT NULL,
      definition jsonb NOT NULL DEFAULT '{}',
      enabled boolean NOT NULL DEFAULT true,
      created_at timestamptz NOT NULL DEFAULT now()
    );
    `,
  },
];
