/**
 * Reading the sidecars' audit logs (`.fusion/logs/audit/<instance>.log` and its rotated `.1`):
 * every record of every file, merged by time, filtered as `fusion audit` asks. A line that is not
 * a record (cut short by a crash, edited by hand) is skipped and counted, never fatal.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AuditRecord } from '@fusion/mesh-types';

/** A record as the sidecars write it. */
export type AuditEntry = AuditRecord;

export interface AuditFilter {
  readonly deniedOnly?: boolean;
  readonly service?: string;
  /** A service name (its identity's first label) or a whole identity, or `unauthenticated`. */
  readonly caller?: string;
  /** Only records at or after this time (ms since the epoch). */
  readonly sinceMs?: number;
  /** Include the control plane's readiness probes, hidden by default (every 2 s per replica). */
  readonly probes?: boolean;
}

export const PROBE_POLICY = 'control-plane-probe';

export function auditDir(stateDir: string): string {
  return join(stateDir, 'logs', 'audit');
}

/** The audit files, older rotations first so that records stay in order within a replica. */
export function auditFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const names = readdirSync(dir).filter((n) => n.endsWith('.log') || n.endsWith('.log.1'));
  return names
    .sort((a, b) =>
      a.endsWith('.1') === b.endsWith('.1') ? a.localeCompare(b) : a.endsWith('.1') ? -1 : 1,
    )
    .map((n) => join(dir, n));
}

/** Parses JSON lines; returns the records and how many lines were not records. */
export function parseRecords(text: string): { records: AuditEntry[]; skipped: number } {
  const records: AuditEntry[] = [];
  let skipped = 0;
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    try {
      const value = JSON.parse(line) as Partial<AuditEntry>;
      if (
        typeof value.time === 'string' &&
        (value.decision === 'allow' || value.decision === 'deny')
      ) {
        records.push(value as AuditEntry);
      } else skipped += 1;
    } catch {
      skipped += 1;
    }
  }
  return { records, skipped };
}

export function matches(entry: AuditEntry, filter: AuditFilter): boolean {
  if (filter.deniedOnly && entry.decision !== 'deny') return false;
  if (!filter.probes && entry.policy === PROBE_POLICY) return false;
  if (filter.service !== undefined && entry.service !== filter.service) return false;
  if (filter.caller !== undefined && !callerIs(entry.caller, filter.caller)) return false;
  if (filter.sinceMs !== undefined && Date.parse(entry.time) < filter.sinceMs) return false;
  return true;
}

function callerIs(caller: string, wanted: string): boolean {
  return caller === wanted || caller.startsWith(`${wanted}.`);
}

/** Every matching record of every file, oldest first. */
export function readAudit(
  dir: string,
  filter: AuditFilter,
): { records: AuditEntry[]; skipped: number } {
  let skipped = 0;
  const records: AuditEntry[] = [];
  for (const file of auditFiles(dir)) {
    const parsed = parseRecords(readFileSync(file, 'utf8'));
    skipped += parsed.skipped;
    for (const record of parsed.records) if (matches(record, filter)) records.push(record);
  }
  // ISO times compare as strings; a stable sort keeps each replica's own order for equal times.
  records.sort((a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : 0));
  return { records, skipped };
}

/** `ai-kernel.default.serviceaccount.identity.cluster.local` → `ai-kernel`, for tables. */
export function shortCaller(caller: string): string {
  const at = caller.indexOf('.serviceaccount.identity.');
  if (at === -1) return caller;
  const [service, namespace] = caller.slice(0, at).split('.');
  return namespace === 'default' ? (service ?? caller) : `${service}.${namespace}`;
}
