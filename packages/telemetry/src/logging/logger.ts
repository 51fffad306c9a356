/**
 * The one logger setup every process uses: one JSON line per event with the field names of
 * DESIGN.md §6 (time, level, service, component, msg; trace_id and span_id when a caller binds
 * them), so `fusion logs` can read any process's output the same way.
 */
import { type DestinationStream, type Logger, pino } from 'pino';

/** Levels in increasing severity; `silent` turns logging off. */
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface LoggerOptions {
  /** Service (or program) name, on every line as `service`. */
  readonly service: string;
  /** Part of the program, on every line as `component` when given. */
  readonly component?: string;
  /** Default `info`; can be changed later through `logger.level`. */
  readonly level?: LogLevel;
  /** Where lines go; default is stdout, written synchronously so a crash loses nothing. */
  readonly destination?: DestinationStream;
}

export function createLogger(options: LoggerOptions): Logger {
  const base: Record<string, string> = { service: options.service };
  if (options.component !== undefined) base.component = options.component;
  return pino(
    {
      level: options.level ?? 'info',
      base,
      messageKey: 'msg',
      // ISO text rather than epoch millis: readable in a terminal and sortable as a string.
      timestamp: pino.stdTimeFunctions.isoTime,
      // Label rather than pino's number, so readers need no table to know what 30 means.
      formatters: { level: (label) => ({ level: label }) },
    },
    options.destination ?? pino.destination({ dest: 1, sync: true }),
  );
}

/** Whether `value` names a level `createLogger` accepts. */
export function isLogLevel(value: string): value is LogLevel {
  return (LOG_LEVELS as readonly string[]).includes(value);
}
