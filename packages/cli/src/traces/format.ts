/**
 * What the trace views share: a Jaeger span's service and failure, durations in ms, columns
 * that fit, and colour only where a person reads it (a terminal, without NO_COLOR).
 */
import type { JaegerSpan, JaegerTrace } from '@fusion/mesh-types';
import { colourOf, paint as paintText, RED } from '../terminal/index.ts';

export { terminalWidth, wantsColour } from '../terminal/index.ts';

export interface ViewFormat {
  readonly colour: boolean;
}

export function serviceOf(trace: JaegerTrace, span: JaegerSpan): string {
  return trace.processes[span.processID]?.serviceName ?? span.processID;
}

/** The span failed: Jaeger's `error` tag, as a bool or as the text some exporters write. */
export function failed(span: JaegerSpan): boolean {
  return span.tags.some((t) => t.key === 'error' && (t.value === true || t.value === 'true'));
}

/** Why it failed, when the span says. */
export function failure(span: JaegerSpan): string {
  const description = span.tags.find((t) => t.key === 'otel.status_description')?.value;
  return description === undefined ? 'error' : String(description);
}

/** `0.25 ms`, `12.5 ms`, `1234 ms`: about three significant digits, always in ms. */
export function formatMs(ms: number): string {
  // Thresholds on the rounded value, so 999.96 is `1000 ms`, not `1000.0 ms`.
  const digits = ms < 9.995 ? 2 : ms < 999.95 ? 1 : 0;
  return `${ms.toFixed(digits)} ms`;
}

/** At most `width` characters, an ellipsis marking a cut. */
export function fit(text: string, width: number): string {
  return text.length <= width ? text : `${text.slice(0, Math.max(0, width - 1))}…`;
}

export function paint(format: ViewFormat, code: number | undefined, text: string): string {
  return paintText(format.colour, code, text);
}

export const errorColour = RED;

/** The same service always gets the same colour. */
export const serviceColour = colourOf;

/** Microseconds since the epoch to `2023-11-14T22:13:20.000Z`. */
export function isoTime(micros: number): string {
  return new Date(Math.floor(micros / 1000)).toISOString();
}
