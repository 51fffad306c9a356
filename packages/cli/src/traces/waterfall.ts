/**
 * `fusion trace <id>` as text: a header, then one line per span — a × when it failed, its
 * service indented under its parent's, its operation, when it started after the trace did, how
 * long it took, and a bar placed on the trace's time line across what is left of the width —
 * then why each failed span failed, and the trace's warnings. Pure: spans in, lines out.
 */
import type { JaegerTrace } from '@fusion/mesh-types';
import {
  errorColour,
  failed,
  failure,
  fit,
  formatMs,
  isoTime,
  paint,
  serviceColour,
  serviceOf,
  type ViewFormat,
} from './format.ts';
import { spanTree } from './tree.ts';

export interface WaterfallFormat extends ViewFormat {
  /** Columns to fill: the terminal's width. */
  readonly width: number;
}

/** The widest the name columns grow before they are cut, so the bar keeps room. */
const MAX_SERVICE = 28;
const MAX_OPERATION = 36;
const MIN_BAR = 10;
const GAP = '  ';

export function formatWaterfall(trace: JaegerTrace, format: WaterfallFormat): string[] {
  if (trace.spans.length === 0) return [`Trace ${trace.traceID}: no spans`];
  const placed = spanTree(trace);
  const start = Math.min(...trace.spans.map((s) => s.startTime));
  const end = Math.max(...trace.spans.map((s) => s.startTime + s.duration));
  // A trace of one instantaneous span still gets a full bar rather than a division by zero.
  const total = Math.max(end - start, 1);
  const services = new Set(trace.spans.map((s) => serviceOf(trace, s)));

  const rows = placed.map(({ span, depth }) => {
    const service = serviceOf(trace, span);
    return {
      span,
      service,
      failed: failed(span),
      name: fit(`${'  '.repeat(depth)}${service}`, MAX_SERVICE),
      operation: fit(span.operationName, MAX_OPERATION),
      offset: formatMs((span.startTime - start) / 1000),
      duration: formatMs(span.duration / 1000),
    };
  });
  const widest = (pick: (row: (typeof rows)[number]) => string, title: string) =>
    Math.max(title.length, ...rows.map((r) => pick(r).length));
  const nameWidth = widest((r) => r.name, 'SERVICE');
  const operationWidth = widest((r) => r.operation, 'OPERATION');
  const offsetWidth = widest((r) => r.offset, 'START');
  const durationWidth = widest((r) => r.duration, 'DURATION');
  const used = 2 + nameWidth + operationWidth + offsetWidth + durationWidth + 4 * GAP.length;
  const barWidth = Math.max(MIN_BAR, format.width - used);

  const lines = [
    `Trace ${trace.traceID}: ${count(trace.spans.length, 'span')}, ${count(services.size, 'service')}, ` +
      `${formatMs((end - start) / 1000)}, started ${isoTime(start)}`,
    [
      '  SERVICE'.padEnd(2 + nameWidth),
      'OPERATION'.padEnd(operationWidth),
      'START'.padStart(offsetWidth),
      'DURATION'.padStart(durationWidth),
      'TIMELINE',
    ].join(GAP),
  ];
  for (const row of rows) {
    const mark = row.failed ? paint(format, errorColour, '×') : ' ';
    const colour = row.failed ? errorColour : serviceColour(row.service);
    const from = Math.floor(((row.span.startTime - start) / total) * barWidth);
    const length = Math.max(1, Math.round((row.span.duration / total) * barWidth));
    const at = Math.min(from, barWidth - length);
    const bar = ' '.repeat(at) + paint(format, colour, '█'.repeat(length));
    lines.push(
      [
        `${mark} ${row.name.padEnd(nameWidth)}`,
        row.operation.padEnd(operationWidth),
        row.offset.padStart(offsetWidth),
        row.duration.padStart(durationWidth),
        bar,
      ].join(GAP),
    );
  }
  const failures = rows.filter((r) => r.failed);
  if (failures.length > 0 || trace.warnings?.length) lines.push('');
  for (const row of failures) {
    const mark = paint(format, errorColour, '×');
    lines.push(
      `${mark} ${row.service} ${row.span.operationName} (span ${row.span.spanID}): ${failure(row.span)}`,
    );
  }
  for (const warning of trace.warnings ?? []) lines.push(`! ${warning}`);
  return lines;
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}
