/** Process and runtime metrics (CPU, memory, heap, start time, event-loop delay). */
export type { ProcessMetrics } from './process-metrics.ts';
export { registerProcessMetrics } from './process-metrics.ts';
