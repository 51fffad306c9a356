/** `fusion audit -f`: new records as the sidecars append them (../jsonl says how). */
import {
  endOffsets as endsOf,
  FOLLOW_INTERVAL_MS,
  readNew as newIn,
  type Offsets,
} from '../jsonl/index.ts';
import {
  AUDIT_RECORDS,
  type AuditEntry,
  type AuditFilter,
  auditFiles,
  matches,
} from './records.ts';

export { FOLLOW_INTERVAL_MS };

/** Reads what each file gained since `offsets` says; updates `offsets`. */
export function readNew(dir: string, offsets: Offsets, filter: AuditFilter): AuditEntry[] {
  return newIn(auditFiles(dir), offsets, AUDIT_RECORDS, (r) => matches(r, filter));
}

/** The offsets at the end of every file now: following starts from here. */
export function endOffsets(dir: string): Offsets {
  return endsOf(auditFiles(dir));
}
