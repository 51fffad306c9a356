/**
 * A problem found in a file, with its position, so every tool reports it the same way:
 * `fusion.yaml:12:5: reason`.
 */

export type Severity = 'error' | 'warning';

export interface Diagnostic {
  readonly severity: Severity;
  /** The file as the user named it. */
  readonly file: string;
  /** 1-based line and column of the offending node. */
  readonly line: number;
  readonly column: number;
  /** Path inside the document, e.g. `services.ai-kernel.port`. */
  readonly path: string;
  readonly message: string;
}

/** `file:line:col: message` — the format editors and terminals link to. */
export function formatDiagnostic(d: Diagnostic): string {
  const prefix = d.severity === 'warning' ? 'warning: ' : '';
  return `${d.file}:${d.line}:${d.column}: ${prefix}${d.message}`;
}
