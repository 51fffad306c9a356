/**
 * `fusion logs`: every component's log under the state directory, merged in time order, or just
 * some components' (a service name takes its app and sidecars, every replica). Exit codes: 0
 * lines shown (or none matched), 1 no logs yet, 2 a bad option.
 */
import type { Command } from 'commander';
import { endOffsets, FOLLOW_INTERVAL_MS, readNew, readRecords, sourceOf } from '../jsonl/index.ts';
import {
  formatLine,
  LEVELS,
  LOG_RECORDS,
  type LogEntry,
  type LogFilter,
  logDir,
  logFiles,
  matches,
  wantsColour,
} from '../logs/index.ts';
import { resolvePaths } from '../paths.ts';
import { sinceOption } from './shared.ts';

interface LogsOptions {
  follow?: boolean;
  level?: string;
  since?: string;
  grep?: string;
  trace?: string;
  json?: boolean;
  limit: string;
}

const EXAMPLES = `
Examples:
  fusion logs                          the last 200 lines of every component, oldest first
  fusion logs identity --level warn    identity's app and sidecars (every replica), warnings up
  fusion logs ai-kernel-proxy -f       one sidecar, as it writes (Ctrl-C to stop)
  fusion logs --since 10m --grep FAIL_FAST
  fusion logs --trace 4bf92f3577b34da6a3ce929d0e0e4736   every line about one request
  fusion logs --json | jq .msg         the lines as written, one JSON object each

Logs are .fusion/logs/<component>.log (and one older .log.1 each), JSON lines with time, level,
service, component and msg; lines about a request carry its trace_id. Colours follow the
component on a terminal; NO_COLOR turns them off.`;

export function registerLogs(program: Command): void {
  program
    .command('logs')
    .description("show the components' logs, merged in time order")
    .argument('[component...]', 'components or services (default: all)')
    .option('-f, --follow', 'keep printing lines as they are written')
    .option('--level <level>', `the least level shown: ${LEVELS.join(', ')}`)
    .option('--since <duration>', 'only the last 10m, 1h, … of lines')
    .option('--grep <text>', 'only lines containing this text')
    .option('--trace <id>', 'only lines about this trace (its 32 hex digits)')
    .option(
      '--json',
      'one JSON object per line, as written, with `source`: the component whose file it is',
    )
    .option('-n, --limit <count>', 'at most this many of the newest lines (0: all)', '200')
    .addHelpText('after', EXAMPLES)
    .action((components: string[], options: LogsOptions) => {
      const dir = logDir(resolvePaths(program.opts()).stateDir);
      const filter = filterOf(components, options);
      const limit = Number(options.limit);
      if (filter === undefined) {
        process.exitCode = 2;
        return;
      }
      if (!Number.isInteger(limit) || limit < 0) {
        console.error(`--limit: expected a whole number, got '${options.limit}'`);
        process.exitCode = 2;
        return;
      }
      const files = logFiles(dir);
      if (files.length === 0) {
        console.error(`no logs in ${dir}: components write them once \`fusion up\` runs`);
        process.exitCode = 1;
        return;
      }
      const keep = (entry: LogEntry) => matches(entry, filter);
      const { records } = readRecords(files, LOG_RECORDS, keep);
      const shown = limit === 0 ? records : records.slice(-limit);
      const print = printer(options.json === true, files);
      for (const entry of shown) print(entry);
      if (!options.follow) return;
      const offsets = endOffsets(files);
      const timer = setInterval(() => {
        // Components a reload adds get files of their own: list them again each time.
        for (const entry of readNew(logFiles(dir), offsets, LOG_RECORDS, keep)) print(entry);
      }, FOLLOW_INTERVAL_MS);
      process.once('SIGINT', () => clearInterval(timer));
    });
}

function filterOf(components: string[], options: LogsOptions): LogFilter | undefined {
  if (options.level !== undefined && !(LEVELS as readonly string[]).includes(options.level)) {
    console.error(`--level: expected one of ${LEVELS.join(', ')}, got '${options.level}'`);
    return undefined;
  }
  if (options.trace !== undefined && !/^[0-9a-f]{32}$/.test(options.trace)) {
    console.error(
      `--trace: expected a trace id of 32 lowercase hex digits, got '${options.trace}'`,
    );
    return undefined;
  }
  const sinceMs = options.since === undefined ? undefined : sinceOption(options.since);
  if (options.since !== undefined && sinceMs === undefined) return undefined;
  return {
    ...(components.length > 0 && { components }),
    ...(options.level !== undefined && { minLevel: options.level }),
    ...(sinceMs !== undefined && { sinceMs }),
    ...(options.grep !== undefined && { grep: options.grep }),
    ...(options.trace !== undefined && { traceId: options.trace }),
  };
}

function printer(json: boolean, files: readonly string[]) {
  if (json) {
    return (entry: LogEntry) =>
      console.log(JSON.stringify({ source: entry.source, ...entry.fields }));
  }
  const width = Math.max(...files.map((f) => sourceOf(f).length));
  const format = { colour: wantsColour(process.stdout), width };
  return (entry: LogEntry) => console.log(formatLine(entry, format));
}
