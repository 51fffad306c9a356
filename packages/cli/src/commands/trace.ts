/**
 * `fusion trace <id>` and `fusion traces`: what the control plane's embedded trace receiver
 * holds (127.0.0.1:`observability.tracing.receiverPort`, 4318), read over its Jaeger query API.
 * `trace` draws one trace as a waterfall; `traces` lists them, newest or slowest first.
 * Exit codes: 0 shown (an empty list included), 1 the receiver does not answer, holds no such
 * trace, or fusion.yaml is invalid, 2 a bad argument or option value.
 */
import { parseDuration } from '@fusion/config';
import type { FusionConfig } from '@fusion/mesh-types';
import type { Command } from 'commander';
import { resolvePaths } from '../paths.ts';
import {
  fetchTrace,
  formatTraceList,
  formatWaterfall,
  ReceiverError,
  receiverBase,
  searchTraces,
  summarise,
  TraceNotFound,
  terminalWidth,
  wantsColour,
} from '../traces/index.ts';
import type { Output } from './config-show.ts';
import { loadConfigForCommand } from './shared.ts';

// Not config-show's consoleOutput: importing it would load the supervisor, which this needs not.
const consoleOutput: Output = {
  out: (line) => console.log(line),
  err: (line) => console.error(line),
};

const TRACE_EXAMPLES = `
Examples:
  fusion trace 4bf92f3577b34da6a3ce929d0e0e4736          the waterfall: each span under its parent
  fusion trace 4bf92f3577b34da6a3ce929d0e0e4736 --json   as Jaeger's /api/traces/{id} returns it

Trace ids are in \`fusion traces\` and in log lines (trace_id; \`fusion logs --trace <id>\` shows
them). A × marks a failed span; why it failed is printed below the waterfall. Bars are scaled
to the terminal's width (80 columns when not a terminal); NO_COLOR turns colours off.`;

const TRACES_EXAMPLES = `
Examples:
  fusion traces                                the 20 newest traces
  fusion traces --service ai-kernel --slowest  ai-kernel's slowest traces
  fusion traces --since 10m -n 50              the 50 newest of the last ten minutes
  fusion traces --json | jq '.[].traceID'

The receiver keeps the last 1,000 traces (and at most 32 MiB of spans) in memory, and only
sampled ones (observability.tracing.sampling). Grafana's Jaeger data source reads the same
traces: give it the receiver's address (http://127.0.0.1:4318 by default) as its URL.`;

/** Where the receiver is, and what to say when it has nothing. */
export interface ReceiverTarget {
  readonly base: string;
  readonly sampling: number;
  /** Set when fusion.yaml sends spans to a collector instead. */
  readonly collector?: string;
}

export interface TraceOptions {
  readonly json?: boolean;
  /** Columns for the bars; the terminal's by default. */
  readonly width?: number;
  readonly colour?: boolean;
}

export interface TracesOptions {
  readonly service?: string;
  readonly limit?: string;
  readonly slowest?: boolean;
  readonly since?: string;
  readonly json?: boolean;
  readonly colour?: boolean;
}

export function registerTrace(program: Command): void {
  program
    .command('trace')
    .description('show one trace as a waterfall: every span under its parent, on a time line')
    .argument('<id>', 'the trace id: 32 hex digits')
    .option('--json', "print the trace as Jaeger's query API returns it")
    .addHelpText('after', TRACE_EXAMPLES)
    .action(async (id: string, options: TraceOptions) => {
      const target = targetOf(program.opts());
      process.exitCode = target ? await showTrace(target, id, options) : 1;
    });
  program
    .command('traces')
    .description('list the traces the control plane holds, newest (or slowest) first')
    .option('-s, --service <name>', 'only traces with a span from this service')
    .option('-n, --limit <count>', 'at most this many traces', '20')
    .option('--slowest', 'longest first, instead of newest first')
    .option('--since <duration>', 'only traces with a span started in the last 10m, 1h, …')
    .option('--json', "print the traces as Jaeger's query API returns them")
    .addHelpText('after', TRACES_EXAMPLES)
    .action(async (options: TracesOptions) => {
      const target = targetOf(program.opts());
      process.exitCode = target ? await listTraces(target, options) : 1;
    });
}

export async function showTrace(
  target: ReceiverTarget,
  id: string,
  options: TraceOptions,
  output: Output = consoleOutput,
): Promise<number> {
  if (!/^[0-9a-fA-F]{32}$/.test(id)) {
    output.err(`trace id: expected 32 hex digits, got '${id}'`);
    return 2;
  }
  try {
    const trace = await fetchTrace(target.base, id.toLowerCase());
    if (options.json) output.out(JSON.stringify(trace, null, 2));
    else {
      const width = options.width ?? terminalWidth(process.stdout);
      const colour = options.colour ?? wantsColour(process.stdout);
      for (const line of formatWaterfall(trace, { width, colour })) output.out(line);
    }
    return 0;
  } catch (error) {
    return failed(error, target, output);
  }
}

export async function listTraces(
  target: ReceiverTarget,
  options: TracesOptions,
  output: Output = consoleOutput,
): Promise<number> {
  const limit = Number(options.limit ?? '20');
  if (!/^\d+$/.test(options.limit ?? '20') || limit < 1) {
    output.err(`--limit: expected a whole number >= 1, got '${options.limit}'`);
    return 2;
  }
  let sinceMs: number | undefined;
  if (options.since !== undefined) {
    sinceMs = parseDuration(options.since);
    if (sinceMs === undefined) {
      output.err(`--since: expected a duration such as 30s, 10m or 2h, got '${options.since}'`);
      return 2;
    }
  }
  try {
    const traces = await searchTraces(target.base, {
      limit,
      ...(options.service !== undefined && { service: options.service }),
      ...(options.slowest && { slowest: true }),
      ...(sinceMs !== undefined && { sinceMs }),
    });
    if (options.json) {
      output.out(JSON.stringify(traces, null, 2));
      return 0;
    }
    if (traces.length === 0) {
      const from = options.service === undefined ? '' : ` from ${options.service}`;
      const when = options.since === undefined ? '' : ` in the last ${options.since}`;
      output.err(`no traces${from}${when} in the trace receiver at ${target.base}`);
      return 0;
    }
    const colour = options.colour ?? wantsColour(process.stdout);
    for (const line of formatTraceList(traces.map(summarise), { colour })) output.out(line);
    return 0;
  } catch (error) {
    return failed(error, target, output);
  }
}

/** The error's line and a hint at what to look at; exit 1. */
function failed(error: unknown, target: ReceiverTarget, output: Output): number {
  if (!(error instanceof ReceiverError) && !(error instanceof TraceNotFound)) throw error;
  output.err(error.message);
  if (target.collector !== undefined) {
    output.err(
      `    fusion.yaml sends spans to ${target.collector} (observability.tracing.collector): look there`,
    );
  } else if (error instanceof TraceNotFound) {
    output.err(
      `    it keeps the last 1,000 traces, and only sampled ones (observability.tracing.sampling: ${target.sampling}); \`fusion traces\` lists what it holds`,
    );
  } else {
    output.err(
      '    is the platform running? `fusion status`; the receiver runs in the control plane',
    );
  }
  return 1;
}

function targetOf(paths: { config?: string; stateDir?: string }): ReceiverTarget | undefined {
  const config: FusionConfig | undefined = loadConfigForCommand(resolvePaths(paths));
  if (!config) return undefined;
  const { collector, sampling } = config.observability.tracing;
  return {
    base: receiverBase(config),
    sampling,
    ...(collector !== undefined && { collector }),
  };
}
