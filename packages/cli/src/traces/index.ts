/** `fusion trace` and `fusion traces`: reading the trace receiver and drawing what it holds. */
export {
  fetchTrace,
  ReceiverError,
  receiverBase,
  searchTraces,
  TraceNotFound,
  type TraceSearch,
} from './client.ts';
export { formatMs, terminalWidth, type ViewFormat, wantsColour } from './format.ts';
export { formatTraceList, summarise, type TraceSummary } from './list.ts';
export { type PlacedSpan, spanTree } from './tree.ts';
export { formatWaterfall, type WaterfallFormat } from './waterfall.ts';
