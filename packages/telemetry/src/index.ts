/** @fusion/telemetry: Prometheus text exposition, process metrics and logger setup. */
export type { Logger, LoggerOptions, LogLevel } from './logging/index.ts';
export { createLogger, isLogLevel, LOG_LEVELS } from './logging/index.ts';
export type {
  Collectable,
  CounterOptions,
  GaugeOptions,
  HistogramOptions,
  LabelValues,
  MetricOptions,
} from './metrics/index.ts';
export {
  Counter,
  CounterChild,
  DEFAULT_BUCKETS,
  escapeHelp,
  escapeLabelValue,
  formatValue,
  Gauge,
  GaugeChild,
  Histogram,
  HistogramChild,
  Metric,
  PROMETHEUS_CONTENT_TYPE,
  Registry,
  renderLabels,
} from './metrics/index.ts';
export type { ProcessMetrics } from './process/index.ts';
export { registerProcessMetrics } from './process/index.ts';
export * from './tracing/index.ts';
