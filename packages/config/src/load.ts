/**
 * Entry points: parse text, load a file, or load and throw. Parsing is pure; the only
 * outside world it may touch is the entry-file check, and only when given a directory.
 */
import { readFileSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { type Diagnostic, type FusionConfig, formatDiagnostic } from '@fusion/mesh-types';
import { LineCounter, parseDocument } from 'yaml';
import { Context, type FileCheck } from './schema/index.ts';
import { validateDocument } from './sections/index.ts';
import { reportYamlProblems } from './yaml-problems.ts';

export type LoadResult =
  | { ok: true; config: FusionConfig; warnings: Diagnostic[] }
  | { ok: false; errors: Diagnostic[]; warnings: Diagnostic[] };

export interface ParseOptions {
  /** The file as the user named it; every diagnostic carries it. */
  readonly file: string;
  /** The directory `entry` paths are relative to; when given, entry files must exist. */
  readonly baseDir?: string;
}

function fileCheck(baseDir: string): FileCheck {
  return (relativePath) => {
    try {
      return statSync(resolve(baseDir, relativePath)).isFile() ? 'file' : 'not-a-file';
    } catch {
      return 'missing';
    }
  };
}

export function parseConfig(text: string, options: ParseOptions): LoadResult {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false });
  const check = options.baseDir === undefined ? undefined : fileCheck(options.baseDir);
  const ctx = new Context(options.file, lineCounter, doc, check);
  const wellFormed = reportYamlProblems(doc, ctx);
  const config = wellFormed ? validateDocument(doc.contents, ctx) : undefined;
  const { errors, warnings } = ctx.sorted();
  if (config !== undefined && errors.length === 0) return { ok: true, config, warnings };
  return { ok: false, errors, warnings };
}

/** `no such file or directory (ENOENT)` from Node's `ENOENT: no such file …, open 'x'`. */
function osReason(error: unknown): string {
  const { code, message } = error as NodeJS.ErrnoException;
  const text = String(message ?? error);
  const match = /^[A-Z]+: ([^,]+)/.exec(text);
  return code && match ? `${match[1]} (${code})` : text;
}

export function loadConfigFile(path: string): LoadResult {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const message = `cannot read config file '${path}': ${osReason(error)}`;
    const problem: Diagnostic = {
      severity: 'error',
      file: path,
      line: 1,
      column: 1,
      path: '',
      message,
    };
    return { ok: false, errors: [problem], warnings: [] };
  }
  return parseConfig(text, { file: path, baseDir: dirname(path) });
}

/** Thrown by loadConfigOrThrow; the message is every error, one `file:line:col: …` per line. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly diagnostics: readonly Diagnostic[];

  constructor(diagnostics: readonly Diagnostic[]) {
    super(diagnostics.map(formatDiagnostic).join('\n'));
    this.diagnostics = diagnostics;
  }
}

export function loadConfigOrThrow(path: string): { config: FusionConfig; warnings: Diagnostic[] } {
  const result = loadConfigFile(path);
  if (!result.ok) throw new ConfigError(result.errors);
  return { config: result.config, warnings: result.warnings };
}
