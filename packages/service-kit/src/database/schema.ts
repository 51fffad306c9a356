/** Naming of a service's schema, and the one place identifiers are quoted. */

const SCHEMA_NAME = /^[a-z_][a-z0-9_]*$/;

/** `cv-engine` → `cv_engine`: each service owns the schema named after it. */
export function schemaNameFor(service: string): string {
  const schema = service.replace(/-/g, '_');
  if (!SCHEMA_NAME.test(schema) || schema.length > 63) {
    throw new TypeError(`service name "${service}" does not make a valid schema name`);
  }
  return schema;
}

/** Quotes an identifier for SQL text (identifiers cannot be bound as parameters). */
export function quoteIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/**
 * A two-part advisory lock key for "migrations of this schema", so replicas starting together
 * take turns. The first part marks the lock as ours, away from any lock the service takes.
 */
export function migrationLockKey(schema: string): readonly [number, number] {
  let hash = 0x811c9dc5;
  for (let i = 0; i < schema.length; i++) {
    hash ^= schema.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return [0x46555349, hash | 0];
}
