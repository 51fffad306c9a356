/** The load generator: open-loop fixed-rate and closed-loop runs over any transport. */
export type {
  ClosedLoopOptions,
  EncodedLoad,
  LoadResult,
  LoadSummary,
  OpenLoopOptions,
  Send,
} from './generate.ts';
export {
  closedLoop,
  decodeLoad,
  encodeLoad,
  mergeLoads,
  openLoop,
  summarizeLoad,
} from './generate.ts';
export type { LatencySummary } from './histogram.ts';
export { LatencyHistogram } from './histogram.ts';
export type { Http1Client, Http1ClientOptions } from './http1.ts';
export { http1Client } from './http1.ts';
export type { WrkResult } from './wrk.ts';
export { parseWrk, runWrk, wrkVersion } from './wrk.ts';
