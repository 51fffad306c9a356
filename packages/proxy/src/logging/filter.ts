/**
 * The proxy's log filter in Linkerd's `LINKERD2_PROXY_LOG` syntax (tracing's env filter):
 * comma-separated directives, each a bare `level` (the default for everything) or
 * `target=level`. Linkerd's own code logs under targets starting `linkerd`; ours logs as one
 * target, so `linkerd=<level>` (or `fusion=<level>`) sets the proxy's level and the bare level
 * is the fallback when neither is given. Other targets (`hickory=error` in Linkerd's default)
 * are accepted and kept in the text, so a filter copied from a Linkerd deployment still works,
 * but they name nothing here.
 *
 * Stricter than tracing in one way, on purpose: tracing reads a bare word it does not know as a
 * target, so a typo such as `inf` silently turns the proxy's logs off. Here a bare word must
 * be a level, and the mistake is reported instead.
 */
import type { LogLevel } from '@fusion/telemetry';

/** Linkerd's default (`hickory=error` dropped: we have no DNS resolver to quiet). */
export const DEFAULT_LOG_FILTER = 'warn,linkerd=info';

/** tracing's level names (case-insensitive), as our logger's levels. */
const LEVELS: Readonly<Record<string, LogLevel>> = {
  trace: 'trace',
  debug: 'debug',
  info: 'info',
  warn: 'warn',
  error: 'error',
  off: 'silent',
};
export const FILTER_LEVEL_NAMES: readonly string[] = Object.keys(LEVELS);

/** Targets that mean "the proxy itself"; `fusion` wins over `linkerd` when both are set. */
const PROXY_TARGETS = ['fusion', 'linkerd'] as const;

/** What tracing does with a filter that enables nothing it names: errors only. */
const FALLBACK_LEVEL: LogLevel = 'error';

const TARGET = /^[A-Za-z_][A-Za-z0-9_:.-]*$/;

export interface LogFilter {
  /** The filter as given (trimmed): what `GET /proxy-log-level` answers. */
  readonly text: string;
  /** The bare level, when one is given. */
  readonly defaultLevel: LogLevel | undefined;
  /** `target=level` directives, targets as written. */
  readonly targets: Readonly<Record<string, LogLevel>>;
  /** The level the proxy's own logger runs at. */
  readonly proxyLevel: LogLevel;
}

export class LogFilterError extends Error {
  override readonly name = 'LogFilterError';
}

/** The expectation every problem message ends with, shared by the env and admin reports. */
export const FILTER_SHAPE = `level[,target=level…], e.g. ${DEFAULT_LOG_FILTER}`;

/** Parses a filter; throws LogFilterError naming the first problem. */
export function parseLogFilter(input: string): LogFilter {
  const text = input.trim();
  if (text === '') throw new LogFilterError('the filter is empty');
  let defaultLevel: LogLevel | undefined;
  const targets: Record<string, LogLevel> = {};
  // Empty directives (`warn,` or `a,,b`) are skipped, as tracing does.
  for (const raw of text.split(',')) {
    const directive = raw.trim();
    if (directive === '') continue;
    const eq = directive.indexOf('=');
    if (eq === -1) {
      const level = levelOf(directive);
      if (level === undefined) {
        throw new LogFilterError(
          `'${directive}' is neither a level (${FILTER_LEVEL_NAMES.join(', ')}) nor target=level`,
        );
      }
      if (defaultLevel !== undefined)
        throw new LogFilterError(`'${directive}' sets the default level a second time`);
      defaultLevel = level;
      continue;
    }
    const target = directive.slice(0, eq).trim();
    const levelText = directive.slice(eq + 1).trim();
    if (target.includes('[') || target.includes('{')) {
      throw new LogFilterError(`'${directive}': span filters ([span{field}]) are not supported`);
    }
    if (!TARGET.test(target)) {
      throw new LogFilterError(`'${directive}': '${target}' is not a target name`);
    }
    const level = levelOf(levelText);
    if (level === undefined) {
      throw new LogFilterError(
        `'${directive}': '${levelText}' is not a level (${FILTER_LEVEL_NAMES.join(', ')})`,
      );
    }
    if (target in targets)
      throw new LogFilterError(`'${directive}' sets '${target}' a second time`);
    targets[target] = level;
  }
  if (defaultLevel === undefined && Object.keys(targets).length === 0)
    throw new LogFilterError('the filter has no directives');
  const proxyTarget = PROXY_TARGETS.find((t) => t in targets);
  const proxyLevel = proxyTarget ? targets[proxyTarget]! : (defaultLevel ?? FALLBACK_LEVEL);
  return { text, defaultLevel, targets, proxyLevel };
}

function levelOf(text: string): LogLevel | undefined {
  return Object.hasOwn(LEVELS, text.toLowerCase()) ? LEVELS[text.toLowerCase()] : undefined;
}

export type LogFormat = 'plain' | 'json';
export const LOG_FORMATS: readonly LogFormat[] = ['plain', 'json'];

/** `LINKERD2_PROXY_LOG_FORMAT`: Linkerd writes `PLAIN`/`JSON`, so case does not matter. */
export function parseLogFormat(text: string): LogFormat | undefined {
  const lower = text.trim().toLowerCase();
  return (LOG_FORMATS as readonly string[]).includes(lower) ? (lower as LogFormat) : undefined;
}
