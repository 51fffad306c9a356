/**
 * The cv-engine schema, oldest first. Applied once each by the service kit at start; never edit one
 * that has shipped, add the next. Plain SQL that runs on PostgreSQL 15 and on PGlite (18).
 */
import type { SqlMigration } from '@fusion/service-kit';

export const migrations: readonly SqlMigration[] = [
  {
    id: '001_documents',
    sql: `
    CREATE TABLE documents (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      -- The owner is a user of the identity service; no foreign key across services' schemas.
      owner_id uuid NOT NULL,
      kind text NOT NULL CHECK (kind IN ('cv', 'portfolio')),
      title text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX documents_owner_idx ON documents (owner_id);
    `,
  },
];
