/** Prometheus text exposition (format 0.0.4): registry, counter, gauge, histogram. */
export type { CounterOptions } from './counter.ts';
export { Counter, CounterChild } from './counter.ts';
export {
  escapeHelp,
  escapeLabelValue,
  formatValue,
  PROMETHEUS_CONTENT_TYPE,
  renderLabels,
} from './format.ts';
export type { GaugeOptions } from './gauge.ts';
export { Gauge, GaugeChild } from './gauge.ts';
export type { HistogramOptions } from './histogram.ts';
export { DEFAULT_BUCKETS, Histogram, HistogramChild } from './histogram.ts';
export type { Collectable, LabelValues, MetricOptions } from './metric.ts';
export { Metric } from './metric.ts';
export { Registry } from './registry.ts';
