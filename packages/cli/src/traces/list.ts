/**
 * `fusion traces` as text: one line per trace — a × when a span failed, its id (what `fusion
 * trace` takes), the service and operation of its root span, how many spans, how long, and when
 * it started (UTC, as `fusion logs` prints times, so the two line up). Pure: traces in, lines out.
 */
import type { JaegerTrace } from '@fusion/mesh-types';
import {
  errorColour,
  failed,
  fit,
  formatMs,
  isoTime,
  paint,
  serviceOf,
  type ViewFormat,
} from './format.ts';
import { spanTree } from './tree.ts';

export interface TraceSummary {
  readonly traceId: string;
  /** The root span's service and operation: the first span of the tree. */
  readonly service: string;
  readonly operation: string;
  readonly spans: number;
  readonly failedSpans: number;
  readonly durationMs: number;
  /** Microseconds since the epoch, as Jaeger's times are. */
  readonly startTime: number;
}

const MAX_ROOT = 40;
const GAP = '  ';

export function summarise(trace: JaegerTrace): TraceSummary {
  const root = spanTree(trace)[0]?.span;
  const start = Math.min(...trace.spans.map((s) => s.startTime));
  const end = Math.max(...trace.spans.map((s) => s.startTime + s.duration));
  return {
    traceId: trace.traceID,
    service: root ? serviceOf(trace, root) : '',
    operation: root?.operationName ?? '',
    spans: trace.spans.length,
    failedSpans: trace.spans.filter(failed).length,
    durationMs: root ? (end - start) / 1000 : 0,
    startTime: root ? start : 0,
  };
}

export function formatTraceList(summaries: readonly TraceSummary[], format: ViewFormat): string[] {
  const rows = summaries.map((s) => ({
    summary: s,
    root: fit(`${s.service} ${s.operation}`, MAX_ROOT),
    spans: String(s.spans),
    duration: formatMs(s.durationMs),
    started: isoTime(s.startTime).slice(11, 23),
  }));
  const widest = (pick: (row: (typeof rows)[number]) => string, title: string) =>
    Math.max(title.length, ...rows.map((r) => pick(r).length));
  const idWidth = widest((r) => r.summary.traceId, 'TRACE');
  const rootWidth = widest((r) => r.root, 'ROOT');
  const spansWidth = widest((r) => r.spans, 'SPANS');
  const durationWidth = widest((r) => r.duration, 'DURATION');
  const lines = [
    [
      `  ${'TRACE'.padEnd(idWidth)}`,
      'ROOT'.padEnd(rootWidth),
      'SPANS'.padStart(spansWidth),
      'DURATION'.padStart(durationWidth),
      'STARTED (UTC)',
    ].join(GAP),
  ];
  for (const row of rows) {
    const mark = row.summary.failedSpans > 0 ? paint(format, errorColour, '×') : ' ';
    lines.push(
      [
        `${mark} ${row.summary.traceId.padEnd(idWidth)}`,
        row.root.padEnd(rootWidth),
        row.spans.padStart(spansWidth),
        row.duration.padStart(durationWidth),
        row.started,
      ].join(GAP),
    );
  }
  return lines;
}
