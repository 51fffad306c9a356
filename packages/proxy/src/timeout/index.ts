/** Timeouts and deadlines: the route's timeout, and the budget a request carries across hops. */
export {
  budgetOf,
  DEADLINE_HEADER,
  GRPC_TIMEOUT_HEADER,
  parseGrpcTimeout,
  writeBudget,
} from './budget.ts';
export type { DeadlineOptions } from './deadline.ts';
export { deadlineLayer, withTimeout } from './deadline.ts';
