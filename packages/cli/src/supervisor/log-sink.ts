/**
 * Collects every component's output into `.fusion/logs/<component>.log`, one JSON object per
 * line with the mesh's field names, and hands records to the console view. Lines that are
 * not JSON (a stack trace, a third-party program) are wrapped so the files stay uniform.
 *
 * A line already in the mesh's shape (our logger's: `{"level":"info","time":"…ISO…",…}`) is
 * relayed as it came, never parsed: the apps log every request at info, and parsing and
 * re-serialising each line cost the supervisor as much CPU as a sidecar (docs/performance.md,
 * "Platform overhead"). Such a line is parsed only when a listener wants its level, or when a
 * crash report asks for the last lines.
 *
 * Each file is bounded: past `maxFileBytes` it becomes `<component>.log.1` (replacing the one
 * before) and a new file starts, so a component's logs never take more than twice that.
 */
import type { ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, renameSync, statSync, type WriteStream } from 'node:fs';
import { join } from 'node:path';

export interface LogRecord {
  readonly time: string;
  readonly level: string;
  readonly msg: string;
  readonly [field: string]: unknown;
}

/** `source` is the supervised component the record came from (its log file's name). */
export type LogListener = (source: string, record: LogRecord) => void;

const RECENT_LINES = 20;
const LEVEL_RANK: Readonly<Record<string, number>> = {
  trace: 10,
  debug: 20,
  info: 30,
  warn: 40,
  error: 50,
  fatal: 60,
  silent: Number.POSITIVE_INFINITY,
};
/** A line our logger wrote: level name first, then an ISO time (packages/telemetry). */
const MESH_LINE = /^\{"level":"(trace|debug|info|warn|error|fatal)","time":"\d{4}-[^"]*"/;

interface Listening {
  readonly listener: LogListener;
  readonly minRank: number;
}

/** pino's numeric levels, for programs that log numbers rather than names. */
const PINO_LEVELS: Record<number, string> = {
  10: 'trace',
  20: 'debug',
  30: 'info',
  40: 'warn',
  50: 'error',
  60: 'fatal',
};

/** A component's log file is rotated past this size (16 MiB). */
export const DEFAULT_MAX_LOG_FILE_BYTES = 16 * 1024 * 1024;

interface OpenFile {
  readonly stream: WriteStream;
  readonly path: string;
  bytes: number;
}

export class LogSink {
  private readonly dir: string;
  private readonly maxFileBytes: number;
  private readonly files = new Map<string, OpenFile>();
  /** Per component, its last lines as they came (relayed) or as records (wrapped, our own). */
  private readonly recent = new Map<string, (string | LogRecord)[]>();
  private readonly listeners: Listening[] = [];
  /** The least rank any listener wants: lines below it are never parsed. */
  private minListenedRank = Number.POSITIVE_INFINITY;

  constructor(dir: string, options: { readonly maxFileBytes?: number } = {}) {
    this.dir = dir;
    this.maxFileBytes = options.maxFileBytes ?? DEFAULT_MAX_LOG_FILE_BYTES;
    mkdirSync(dir, { recursive: true });
  }

  /** Calls `listener` for every record at `minLevel` or above (default: all of them). */
  onRecord(listener: LogListener, minLevel = 'trace'): void {
    const minRank = LEVEL_RANK[minLevel] ?? 0;
    this.listeners.push({ listener, minRank });
    this.minListenedRank = Math.min(this.minListenedRank, minRank);
  }

  /** Reads a child's stdout and stderr line by line until it exits. */
  attach(component: string, child: ChildProcess): void {
    const follow = (stream: NodeJS.ReadableStream | null, fallbackLevel: string) => {
      if (!stream) return;
      stream.setEncoding('utf8');
      let partial = '';
      stream.on('data', (chunk: string) => {
        const lines = (partial + chunk).split('\n');
        partial = lines.pop()!;
        this.relay(component, lines, fallbackLevel);
      });
      stream.on('end', () => {
        if (partial !== '') this.relay(component, [partial], fallbackLevel);
        partial = '';
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
    return (this.recent.get(component) ?? []).slice(-count).map((entry) => {
      const record = typeof entry === 'string' ? toRecord(component, entry, 'info') : entry;
      return `${record.level} ${record.msg}`;
    });
  }

  async close(): Promise<void> {
    const closing = [...this.files.values()].map(
      (file) => new Promise<void>((resolve) => file.stream.end(() => resolve())),
    );
    this.files.clear();
    await Promise.all(closing);
  }

  /** One chunk's complete lines: runs of relayed lines go to the file in one write. */
  private relay(source: string, lines: readonly string[], fallbackLevel: string): void {
    let batch = '';
    for (const raw of lines) {
      const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
      if (line.trim() === '') continue;
      const level = line.endsWith('}') ? MESH_LINE.exec(line)?.[1] : undefined;
      if (level === undefined) {
        if (batch !== '') this.append(source, batch);
        batch = '';
        this.write(source, toRecord(source, line, fallbackLevel));
        continue;
      }
      batch += `${line}\n`;
      this.remember(source, line);
      if (LEVEL_RANK[level]! >= this.minListenedRank)
        this.notify(source, toRecord(source, line, 'info'));
    }
    if (batch !== '') this.append(source, batch);
  }

  private write(source: string, record: LogRecord): void {
    this.append(source, `${JSON.stringify(record)}\n`);
    this.remember(source, record);
    this.notify(source, record);
  }

  private remember(source: string, entry: string | LogRecord): void {
    let recent = this.recent.get(source);
    if (!recent) {
      recent = [];
      this.recent.set(source, recent);
    }
    recent.push(entry);
    if (recent.length > RECENT_LINES) recent.shift();
  }

  private notify(source: string, record: LogRecord): void {
    const rank = LEVEL_RANK[record.level] ?? LEVEL_RANK.info!;
    for (const { listener, minRank } of this.listeners) {
      if (rank >= minRank) listener(source, record);
    }
  }

  private append(component: string, text: string): void {
    let file = this.files.get(component);
    if (!file) {
      const path = join(this.dir, `${component}.log`);
      const bytes = statSync(path, { throwIfNoEntry: false })?.size ?? 0;
      file = { stream: createWriteStream(path, { flags: 'a' }), path, bytes };
      this.files.set(component, file);
    }
    file.stream.write(text);
    file.bytes += Buffer.byteLength(text);
    if (file.bytes < this.maxFileBytes) return;
    // The stream keeps its descriptor: what it still holds lands in the renamed file.
    file.stream.end();
    renameSync(file.path, `${file.path}.1`);
    this.files.delete(component);
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
      // Prometheus (go-kit) writes its time as `ts`.
      const written = parsed.time ?? parsed.ts;
      const time = typeof written === 'number' ? new Date(written).toISOString() : written;
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
