/**
 * The components' logs under `.fusion/logs/` as `fusion logs` reads them: one JSON object per
 * line in the mesh's shape (`time`, `level`, `msg`, and `service`, `component`, `trace_id`, …),
 * the component being the file's name. Selection by component (a service name takes its app
 * and sidecar, every replica), least level, time, text and trace id.
 */
import { join } from 'node:path';
import { jsonlFiles, type RecordKind, sourceOf } from '../jsonl/index.ts';

export interface LogEntry {
  /** The component whose file it is: `identity-1-proxy`, `supervisor`, … */
  readonly source: string;
  readonly time: string;
  readonly level: string;
  readonly msg: string;
  /** The whole line as parsed, for --json and the extra fields. */
  readonly fields: Readonly<Record<string, unknown>>;
}

export interface LogFilter {
  /** Components or services (a service selects its app, its sidecars, every replica). */
  readonly components?: readonly string[];
  /** The least level shown. */
  readonly minLevel?: string;
  readonly sinceMs?: number;
  /** Text the line must contain (in its message or any field). */
  readonly grep?: string;
  /** Only lines about this trace. */
  readonly traceId?: string;
}

export const LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const;
const RANK = new Map<string, number>(LEVELS.map((level, i) => [level, i]));

export function logDir(stateDir: string): string {
  return join(stateDir, 'logs');
}

/** The components' files (the audit logs live in a directory of their own, not read here). */
export function logFiles(dir: string): string[] {
  return jsonlFiles(dir);
}

export const LOG_RECORDS: RecordKind<LogEntry> = {
  fromJson: (value, file) => {
    if (value === null || typeof value !== 'object') return undefined;
    const fields = value as Record<string, unknown>;
    if (typeof fields.time !== 'string' || typeof fields.level !== 'string') return undefined;
    return {
      source: sourceOf(file),
      time: fields.time,
      level: fields.level,
      msg: typeof fields.msg === 'string' ? fields.msg : '',
      fields,
    };
  },
  time: (entry) => entry.time,
};

/** `identity` selects `identity`, `identity-2`, `identity-proxy` and `identity-2-proxy`. */
export function selects(wanted: string, source: string): boolean {
  if (source === wanted) return true;
  const rest = source.startsWith(`${wanted}-`) ? source.slice(wanted.length + 1) : undefined;
  return rest !== undefined && /^(\d+-)?proxy$|^\d+$/.test(rest);
}

export function matches(entry: LogEntry, filter: LogFilter): boolean {
  const { components, minLevel, sinceMs, grep, traceId } = filter;
  if (components && components.length > 0 && !components.some((c) => selects(c, entry.source))) {
    return false;
  }
  if (minLevel !== undefined && (RANK.get(entry.level) ?? 0) < (RANK.get(minLevel) ?? 0)) {
    return false;
  }
  if (sinceMs !== undefined && Date.parse(entry.time) < sinceMs) return false;
  if (traceId !== undefined && entry.fields.trace_id !== traceId) return false;
  if (grep !== undefined && !JSON.stringify(entry.fields).includes(grep)) return false;
  return true;
}
