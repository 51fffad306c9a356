/** `fusion logs`: reading, selecting and printing the components' logs. */
export { formatLine, type LineFormat, wantsColour } from './format.ts';
export {
  LEVELS,
  LOG_RECORDS,
  type LogEntry,
  type LogFilter,
  logDir,
  logFiles,
  matches,
  selects,
} from './records.ts';
