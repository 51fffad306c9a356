/**
 * A log line for a person: `12:03:04.567 identity-proxy  WARN  message  key=value …`, the
 * component in a colour of its own and the level coloured by severity on a terminal (never
 * with NO_COLOR set, or when the output is not a terminal).
 */
import { colourOf, paint, RED, YELLOW } from '../terminal/index.ts';
import type { LogEntry } from './records.ts';

export { wantsColour } from '../terminal/index.ts';

/** Fields shown in the line itself, not repeated among the extras. */
const SHOWN = new Set(['time', 'level', 'msg', 'service', 'component', 'pid', 'hostname']);
const LEVEL_COLOUR: Readonly<Record<string, number>> = { warn: YELLOW, error: RED, fatal: RED };

export interface LineFormat {
  readonly colour: boolean;
  /** Width of the component column: the longest name shown. */
  readonly width: number;
}

export function formatLine(entry: LogEntry, format: LineFormat): string {
  const time = entry.time.length >= 23 ? entry.time.slice(11, 23) : entry.time;
  const source = paint(format.colour, colourOf(entry.source), entry.source.padEnd(format.width));
  const level = paint(
    format.colour,
    LEVEL_COLOUR[entry.level],
    entry.level.toUpperCase().padEnd(5),
  );
  const extras = Object.entries(entry.fields)
    .filter(([key]) => !SHOWN.has(key))
    .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`);
  return [time, source, level, entry.msg, ...extras].join('  ').trimEnd();
}
