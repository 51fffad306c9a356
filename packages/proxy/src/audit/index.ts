export {
  AuditLog,
  type AuditLogOptions,
  DEFAULT_AUDIT_MAX_BYTES,
} from './audit-log.ts';
export { type Audit, type AuditDecision, auditor } from './auditor.ts';
