/**
 * Collects every component's output into `.fusion/logs/<component>.log`, one JSON object per
 * line with the mesh's field names, and hands each record to the console view. Lines that are
 * not JSON (a stack trace, a third-party program) are wrapped so the files stay uniform.
 */
import type { ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

export interface LogRecord {
  readonly time: string;
  readonly level: string;
  readonly msg: string;
  readonly [field: string]: unknown;
}

/** `source` is the supervised component the record came from (its log file's name). */
export type LogListener = (source: string, record: LogRecord) => void;

const RECENT_LINES = 20;
/** pino's numeric levels, for programs that log numbers rather than names. */
const PINO_LEVELS: Record<number, string> = {
  10: 'trace',
  20: 'debug',
  30: 'info',
  40: 'warn',
  50: 'error',
  60: 'fatal',
};

export class LogSink {
  private readonly dir: string;
  private readonly files = new Map<string, WriteStream>();
  private readonly recent = new Map<string, string[]>();
  private readonly listeners: LogListener[] = [];

  constructor(dir: string) {
    this.dir = dir;
    mkdirSync(dir, { recursive: true });
  }

  onRecord(listener: LogListener): void {
    this.listeners.push(listener);
  }

  /** Reads a child's stdout and stderr line by line until it exits. */
  attach(component: string, child: ChildProcess): void {
    const follow = (stream: NodeJS.ReadableStream | null, fallbackLevel: string) => {
      if (!stream) return;
      createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY }).on('line', (line) => {
        if (line.trim() !== '') this.write(component, toRecord(component, line, fallbackLevel));
      });
    };
    follow(child.stdout, 'info');
    follow(child.stderr, 'error');
  }

  /** The supervisor's own events, in `supervisor.log`. */
  supervisor(level: string, msg: string, fields: Record<string, unknown> = {}): void {
    const time = new Date().toISOString();
    this.write('supervisor', {
      time,
      level,
      service: 'fusion',
      component: 'supervisor',
      msg,
      ...fields,
    });
  }

  /** The last `count` messages a component logged, for crash reports. */
  recentLines(component: string, count: number): string[] {
    return (this.recent.get(component) ?? []).slice(-count);
  }

  async close(): Promise<void> {
    const closing = [...this.files.values()].map(
      (file) => new Promise<void>((resolve) => file.end(() => resolve())),
    );
    this.files.clear();
    await Promise.all(closing);
  }

  private write(source: string, record: LogRecord): void {
    this.fileFor(source).write(`${JSON.stringify(record)}\n`);
    const recent = this.recent.get(source) ?? [];
    recent.push(`${record.level} ${record.msg}`);
    if (recent.length > RECENT_LINES) recent.shift();
    this.recent.set(source, recent);
    for (const listener of this.listeners) listener(source, record);
  }

  private fileFor(component: string): WriteStream {
    let file = this.files.get(component);
    if (!file) {
      file = createWriteStream(join(this.dir, `${component}.log`), { flags: 'a' });
      this.files.set(component, file);
    }
    return file;
  }
}

/** Normalises one output line: pino's numeric level and epoch time become names and ISO text. */
export function toRecord(source: string, line: string, fallbackLevel: string): LogRecord {
  if (line.startsWith('{')) {
    try {
      const parsed = JSON.parse(line) as Record<string, unknown>;
      const level =
        typeof parsed.level === 'number'
          ? (PINO_LEVELS[parsed.level] ?? String(parsed.level))
          : parsed.level;
      const time =
        typeof parsed.time === 'number' ? new Date(parsed.time).toISOString() : parsed.time;
      return {
        ...parsed,
        time: typeof time === 'string' ? time : new Date().toISOString(),
        level: typeof level === 'string' ? level : fallbackLevel,
        msg: typeof parsed.msg === 'string' ? parsed.msg : '',
      };
    } catch {
      // Not JSON after all: wrap it below.
    }
  }
  return { time: new Date().toISOString(), level: fallbackLevel, service: source, msg: line };
}
