/**
 * The conversational schema, oldest first. Applied once each by the service kit at start; never edit one
 * that has shipped, add the next. Plain SQL that runs on PostgreSQL 15 and on PGlite (18).
 */
import type { SqlMigration } from '@fusion/service-kit';

export const migrations: readonly SqlMigration[] = [
  {
    id: '001_conversations',
    sql: `
    CREATE TABLE conversations (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      -- A user of the identity service; no foreign key across services' schemas.
      user_id uuid NOT NULL,
      title text,
      created_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX conversations_user_idx ON conversations (user_id);
    `,
  },
];
