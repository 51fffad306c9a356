/**
 * JSON-lines files as the platform writes them — a component's log, a sidecar's audit log — each
 * possibly with one rotation beside it (`name.log.1`, older): listing them, reading every record
 * merged by time, and following what they gain. A line that is not a record (cut short by a
 * crash, edited by hand) is skipped and counted, never fatal.
 */
import {
  closeSync,
  existsSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  statSync,
} from 'node:fs';
import { basename, join } from 'node:path';

/** How one kind of file's lines become records. */
export interface RecordKind<T> {
  /** The record a parsed line holds, or undefined when it is not one. `file` is its source. */
  fromJson(value: unknown, file: string): T | undefined;
  /** An ISO time: records are merged by it. */
  time(record: T): string;
}

/** `.log` files and their `.log.1` rotations in `dir`, older rotations first. */
export function jsonlFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const names = readdirSync(dir).filter((n) => n.endsWith('.log') || n.endsWith('.log.1'));
  return names
    .sort((a, b) =>
      a.endsWith('.1') === b.endsWith('.1') ? a.localeCompare(b) : a.endsWith('.1') ? -1 : 1,
    )
    .map((n) => join(dir, n));
}

/** `…/identity-proxy.log.1` → `identity-proxy`. */
export function sourceOf(file: string): string {
  return basename(file).replace(/\.log(\.1)?$/, '');
}

export function parseLines<T>(
  text: string,
  kind: RecordKind<T>,
  file: string,
): { records: T[]; skipped: number } {
  const records: T[] = [];
  let skipped = 0;
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    let record: T | undefined;
    try {
      record = kind.fromJson(JSON.parse(line), file);
    } catch {
      record = undefined;
    }
    if (record === undefined) skipped += 1;
    else records.push(record);
  }
  return { records, skipped };
}

/** Every record of `files` that `keep` keeps, oldest first. */
export function readRecords<T>(
  files: readonly string[],
  kind: RecordKind<T>,
  keep: (record: T) => boolean,
): { records: T[]; skipped: number } {
  let skipped = 0;
  const records: T[] = [];
  for (const file of files) {
    const parsed = parseLines(readFileSync(file, 'utf8'), kind, file);
    skipped += parsed.skipped;
    for (const record of parsed.records) if (keep(record)) records.push(record);
  }
  return { records: byTime(records, kind), skipped };
}

/**
 * Following: each file is read from where the last read stopped; a file that is another one
 * now (rotated: a new inode, or shorter) is read from its start. Callers poll (twice a second):
 * files are written in batches, and polling needs no watcher per file that a rotation would
 * orphan.
 */
export const FOLLOW_INTERVAL_MS = 500;

/** Where each file was read up to, and which file (inode) that was. */
export type Offsets = Map<string, { readonly ino: number; readonly offset: number }>;

/** The offsets at the end of every current (not rotated) file now: following starts here. */
export function endOffsets(files: readonly string[]): Offsets {
  const offsets: Offsets = new Map();
  for (const file of files) {
    if (file.endsWith('.1')) continue;
    const stats = statSync(file, { throwIfNoEntry: false });
    if (stats) offsets.set(file, { ino: stats.ino, offset: stats.size });
  }
  return offsets;
}

/** What each current file gained since `offsets` says, whole lines only; updates `offsets`. */
export function readNew<T>(
  files: readonly string[],
  offsets: Offsets,
  kind: RecordKind<T>,
  keep: (record: T) => boolean,
): T[] {
  const found: T[] = [];
  for (const file of files) {
    if (file.endsWith('.1')) continue;
    const stats = statSync(file, { throwIfNoEntry: false });
    if (stats === undefined) continue;
    const { size, ino } = stats;
    const known = offsets.get(file);
    const from =
      known !== undefined && known.ino === ino && known.offset <= size ? known.offset : 0;
    if (size === from) continue;
    const buffer = Buffer.alloc(size - from);
    const fd = openSync(file, 'r');
    try {
      readSync(fd, buffer, 0, buffer.length, from);
    } finally {
      closeSync(fd);
    }
    // A record being written is taken on the next read.
    const end = buffer.lastIndexOf(0x0a) + 1;
    offsets.set(file, { ino, offset: from + end });
    const text = buffer.subarray(0, end).toString('utf8');
    for (const record of parseLines(text, kind, file).records) if (keep(record)) found.push(record);
  }
  return byTime(found, kind);
}

/** ISO times compare as strings; the sort is stable, so one file keeps its own order. */
function byTime<T>(records: T[], kind: RecordKind<T>): T[] {
  return records.sort((a, b) => {
    const [ta, tb] = [kind.time(a), kind.time(b)];
    return ta < tb ? -1 : ta > tb ? 1 : 0;
  });
}
