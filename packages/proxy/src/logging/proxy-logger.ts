/**
 * The proxy's logger: the platform's JSON logger (or its plain rendering), at the level the
 * `LINKERD2_PROXY_LOG` filter gives the proxy, changeable while running through the admin
 * server's `PUT /proxy-log-level`. Components log through children of one root, and pino's
 * children follow their parent's level unless given their own, so one change reaches every
 * component at once.
 */
import { createLogger, type Logger } from '@fusion/telemetry';
import { type LogFilter, type LogFormat, parseLogFilter } from './filter.ts';
import { type LineSink, plainSink } from './plain.ts';

export interface ProxyLoggerOptions {
  /** The service this sidecar fronts, on every line as `service`. */
  readonly service: string;
  /** A parsed filter, or filter text (which must be valid: it throws LogFilterError). */
  readonly filter: LogFilter | string;
  readonly format: LogFormat;
  /** Where finished lines go (tests); default stdout. */
  readonly destination?: LineSink;
}

export interface ProxyLogger {
  /** The root logger, for components that make their own children. */
  readonly root: Logger;
  /** A child logger whose lines carry `component`. */
  component(name: string): Logger;
  /** Applies a new filter at once; throws LogFilterError (and changes nothing) if invalid. */
  setLevel(filterText: string): LogFilter;
  /** The filter text in force. */
  level(): string;
  /** The parsed filter in force. */
  filter(): LogFilter;
}

export function createProxyLogger(options: ProxyLoggerOptions): ProxyLogger {
  let filter = typeof options.filter === 'string' ? parseLogFilter(options.filter) : options.filter;
  const root = createLogger({
    service: options.service,
    level: filter.proxyLevel,
    destination: destinationFor(options.format, options.destination),
  });
  return {
    root,
    component: (name) => root.child({ component: name }),
    setLevel(filterText) {
      const next = parseLogFilter(filterText);
      filter = next;
      root.level = next.proxyLevel;
      return next;
    },
    level: () => filter.text,
    filter: () => filter,
  };
}

function destinationFor(format: LogFormat, out: LineSink | undefined): LineSink | undefined {
  if (format === 'json') return out; // undefined: telemetry's synchronous stdout
  // process.stdout is synchronous for files, pipes and terminals on Linux, so a fatal line
  // written just before process.exit is not lost.
  return plainSink(out ?? { write: (line) => void process.stdout.write(line) });
}
