/** The proxy's logger: Linkerd's filter syntax, plain or JSON lines, level changeable at runtime. */
export type { LogFilter, LogFormat } from './filter.ts';
export {
  DEFAULT_LOG_FILTER,
  FILTER_LEVEL_NAMES,
  FILTER_SHAPE,
  LOG_FORMATS,
  LogFilterError,
  parseLogFilter,
  parseLogFormat,
} from './filter.ts';
export type { LineSink } from './plain.ts';
export { plainLine, plainSink } from './plain.ts';
export type { ProxyLogger, ProxyLoggerOptions } from './proxy-logger.ts';
export { createProxyLogger } from './proxy-logger.ts';
