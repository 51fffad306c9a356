/** End-to-end deadlines: the `fusion-timeout-ms` budget a request carries, as a deadline. */
export type { RequestDeadline } from './deadline.ts';
export {
  currentDeadline,
  DEADLINE_HEADER,
  MAX_DEADLINE_MS,
  parseDeadlineHeader,
  runWithDeadline,
  runWithRequestDeadline,
} from './deadline.ts';
