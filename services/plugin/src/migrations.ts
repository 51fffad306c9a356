/**
 * The plugin schema, oldest first. Applied once each by the service kit at start; never edit one
 * that has shipped, add the next. Plain SQL that runs on PostgreSQL 15 and on PGlite (18).
 */
import type { SqlMigration } from '@fusion/service-kit';

export const migrations: readonly SqlMigration[] = [
  {
    id: '001_plugins',
    sql: `
    CREATE TABLE plugins (
      -- The plugin's own slug, e.g. "linkedin-import": stable across reinstalls.
      id text PRIMARY KEY,
      version text NOT NULL,
      enabled boolean NOT NULL DEFAULT false,
      installed_at timestamptz NOT NULL DEFAULT now()
    );
    `,
  },
];
