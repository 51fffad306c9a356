export { endOffsets, FOLLOW_INTERVAL_MS, readNew } from './follow.ts';
export {
  type AuditEntry,
  type AuditFilter,
  auditDir,
  auditFiles,
  matches,
  PROBE_POLICY,
  parseRecords,
  readAudit,
  shortCaller,
} from './records.ts';
