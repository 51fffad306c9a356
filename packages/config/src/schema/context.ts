/**
 * Where validation stands while it walks a document: the file, the positions of its nodes
 * and the diagnostics found so far. Schemas never throw; they report here and carry on, so
 * one pass over the file finds every problem in it.
 */
import type { Diagnostic, Severity } from '@fusion/mesh-types';
import { type Document, isAlias, type LineCounter, type Node } from 'yaml';

/** What an entry file check found; injected so that validation itself stays pure. */
export type FileCheck = (relativePath: string) => 'file' | 'missing' | 'not-a-file';

export class Context {
  private readonly found: Diagnostic[] = [];

  constructor(
    readonly file: string,
    private readonly lines: LineCounter,
    private readonly doc: Document,
    /** Present only when the caller wants entry files checked on disk. */
    readonly checkFile?: FileCheck,
  ) {}

  /** Follows aliases so schemas see the value an anchor stands for. */
  resolve(node: Node | null | undefined): Node | undefined {
    if (node == null) return undefined;
    return isAlias(node) ? (node.resolve(this.doc) ?? undefined) : node;
  }

  /** 1-based position of a node; a node that is not there (an absent section) is the top. */
  position(node: Node | null | undefined): { line: number; column: number } {
    const offset = node?.range?.[0];
    if (offset === undefined) return { line: 1, column: 1 };
    return this.positionOf(offset);
  }

  positionOf(offset: number): { line: number; column: number } {
    const { line, col } = this.lines.linePos(offset);
    return { line, column: col };
  }

  /** `fusion.yaml:33:11`, for messages that point at a second place. */
  where(node: Node | null | undefined): string {
    const { line, column } = this.position(node);
    return `${this.file}:${line}:${column}`;
  }

  report(severity: Severity, node: Node | null | undefined, path: string, message: string): void {
    this.found.push({ severity, file: this.file, ...this.position(node), path, message });
  }

  reportAt(severity: Severity, offset: number, path: string, message: string): void {
    this.found.push({ severity, file: this.file, ...this.positionOf(offset), path, message });
  }

  get errorCount(): number {
    return this.found.filter((d) => d.severity === 'error').length;
  }

  /** Errors and warnings, each in file order (stable for diagnostics on the same spot). */
  sorted(): { errors: Diagnostic[]; warnings: Diagnostic[] } {
    const ordered = [...this.found].sort((a, b) => a.line - b.line || a.column - b.column);
    return {
      errors: ordered.filter((d) => d.severity === 'error'),
      warnings: ordered.filter((d) => d.severity === 'warning'),
    };
  }
}

/** `services.ai-kernel: ` — the prefix every message starts with, empty at the top. */
export function prefix(path: string): string {
  return path === '' ? '' : `${path}: `;
}

/** A position in the document being validated: the path so far and where to report. */
export class At {
  constructor(
    readonly ctx: Context,
    readonly path: string,
  ) {}

  key(name: string): At {
    return new At(this.ctx, this.path === '' ? name : `${this.path}.${name}`);
  }

  index(i: number): At {
    return new At(this.ctx, `${this.path}[${i}]`);
  }

  /** Reports an error and returns undefined, so a schema can `return at.error(...)`. */
  error(node: Node | null | undefined, reason: string): undefined {
    this.ctx.report('error', node, this.path, `${prefix(this.path)}${reason}`);
    return undefined;
  }

  warn(node: Node | null | undefined, reason: string): void {
    this.ctx.report('warning', node, this.path, `${prefix(this.path)}${reason}`);
  }
}

/** A validated value with the node it came from, for checks that span several places. */
export interface Located<T> {
  readonly value: T;
  readonly node: Node | undefined;
  readonly path: string;
}
