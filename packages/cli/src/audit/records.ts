/**
 * Reading the sidecars' audit logs (`.fusion/logs/audit/<instance>.log` and its rotated `.1`):
 * every record of every file, merged by time, filtered as `fusion audit` asks (the files are
 * read by ../jsonl).
 */
import { join } from 'node:path';
import type { AuditRecord } from '@fusion/mesh-types';
import { jsonlFiles, type RecordKind, readRecords } from '../jsonl/index.ts';

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
  return jsonlFiles(dir);
}

/** A line of an audit log: an object with a time and a decision. */
export const AUDIT_RECORDS: RecordKind<AuditEntry> = {
  fromJson: (value) => {
    const entry = value as Partial<AuditEntry> | null;
    return typeof entry?.time === 'string' &&
      (entry.decision === 'allow' || entry.decision === 'deny')
      ? (entry as AuditEntry)
      : undefined;
  },
  time: (entry) => entry.time,
};

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
  return readRecords(auditFiles(dir), AUDIT_RECORDS, (r) => matches(r, filter));
}

/** `ai-kernel.default.serviceaccount.identity.cluster.local` → `ai-kernel`, for tables. */
export function shortCaller(caller: string): string {
  const at = caller.indexOf('.serviceaccount.identity.');
  if (at === -1) return caller;
  const [service, namespace] = caller.slice(0, at).split('.');
  return namespace === 'default' ? (service ?? caller) : `${service}.${namespace}`;
}
