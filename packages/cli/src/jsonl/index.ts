/** Reading and following the platform's JSON-lines files (logs, audit logs). */
export {
  endOffsets,
  FOLLOW_INTERVAL_MS,
  jsonlFiles,
  type Offsets,
  parseLines,
  type RecordKind,
  readNew,
  readRecords,
  sourceOf,
} from './files.ts';
