/**
 * A log line for a person: `12:03:04.567 identity-proxy  WARN  message  key=value …`, the
 * component in a colour of its own and the level coloured by severity on a terminal (never
 * with NO_COLOR set, or when the output is not a terminal).
 */
import type { LogEntry } from './records.ts';

/** Fields shown in the line itself, not repeated among the extras. */
const SHOWN = new Set(['time', 'level', 'msg', 'service', 'component', 'pid', 'hostname']);
const PALETTE = [36, 32, 35, 34, 33, 96, 92, 95, 94, 93];
const LEVEL_COLOUR: Readonly<Record<string, number>> = { warn: 33, error: 31, fatal: 31 };

export interface LineFormat {
  readonly colour: boolean;
  /** Width of the component column: the longest name shown. */
  readonly width: number;
}

export function formatLine(entry: LogEntry, format: LineFormat): string {
  const paint = (code: number | undefined, text: string) =>
    format.colour && code !== undefined ? `\u001b[${code}m${text}\u001b[0m` : text;
  const time = entry.time.length >= 23 ? entry.time.slice(11, 23) : entry.time;
  const source = paint(colourOf(entry.source), entry.source.padEnd(format.width));
  const level = paint(LEVEL_COLOUR[entry.level], entry.level.toUpperCase().padEnd(5));
  const extras = Object.entries(entry.fields)
    .filter(([key]) => !SHOWN.has(key))
    .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`);
  return [time, source, level, entry.msg, ...extras].join('  ').trimEnd();
}

/** The same component always gets the same colour. */
function colourOf(source: string): number {
  let hash = 0;
  for (let i = 0; i < source.length; i++) hash = (hash * 31 + source.charCodeAt(i)) >>> 0;
  return PALETTE[hash % PALETTE.length]!;
}

/** Colour only for a terminal, and never with NO_COLOR (https://no-color.org). */
export function wantsColour(stream: NodeJS.WriteStream, env = process.env): boolean {
  return stream.isTTY === true && (env.NO_COLOR === undefined || env.NO_COLOR === '');
}
