/**
 * A policy's version is a hash of its content: the same file always gives the same versions
 * (no clock, no counter to keep across restarts), and a proxy can tell a real change from a
 * push of what it already has. Keys are sorted first, so object key order never matters.
 */
import { createHash } from 'node:crypto';

/** JSON with every object's keys sorted; undefined properties left out, as JSON does. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const fields = Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`);
    return `{${fields.join(',')}}`;
  }
  return JSON.stringify(value);
}

/** `sha256:` and the first 16 hex digits: 64 bits, plenty to tell a few versions apart. */
export function contentVersion(value: unknown): string {
  const digest = createHash('sha256').update(canonicalJson(value)).digest('hex');
  return `sha256:${digest.slice(0, 16)}`;
}
