export { endOffsets, FOLLOW_INTERVAL_MS, readNew } from './follow.ts';
export {
  AUDIT_RECORDS,
  type AuditEntry,
  type AuditFilter,
  auditDir,
  auditFiles,
  matches,
  PROBE_POLICY,
  readAudit,
  shortCaller,
} from './records.ts';
