/**
 * `fusion audit -f`: new records as the sidecars append them. Each file is read from where the
 * last read stopped; a file that is another one now (rotated: a new inode, or shorter) is read
 * from its start.
 * Polled (twice a second): the files are written in batches, and polling needs no watcher per
 * file that a rotation would orphan.
 */
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { type AuditEntry, type AuditFilter, auditFiles, matches, parseRecords } from './records.ts';

export const FOLLOW_INTERVAL_MS = 500;

/** Where each file was read up to, and which file (inode) that was. */
export type Offsets = Map<string, { readonly ino: number; readonly offset: number }>;

/** Reads what each file gained since `offsets` says; updates `offsets`. */
export function readNew(dir: string, offsets: Offsets, filter: AuditFilter): AuditEntry[] {
  const found: AuditEntry[] = [];
  for (const file of auditFiles(dir)) {
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
    // Only whole lines: a record being written is taken on the next read.
    const end = buffer.lastIndexOf(0x0a) + 1;
    offsets.set(file, { ino, offset: from + end });
    for (const record of parseRecords(buffer.subarray(0, end).toString('utf8')).records) {
      if (matches(record, filter)) found.push(record);
    }
  }
  return found.sort((a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : 0));
}

/** The offsets at the end of every file now: following starts from here. */
export function endOffsets(dir: string): Offsets {
  const offsets: Offsets = new Map();
  for (const file of auditFiles(dir)) {
    if (file.endsWith('.1')) continue;
    const { ino, size } = statSync(file);
    offsets.set(file, { ino, offset: size });
  }
  return offsets;
}
