/** Retries: the per-route retry layer, the per-service budget, and replayable request bodies. */
export { RetryBudget, type RetryBudgetOptions } from './budget.ts';
export { MAX_REPLAY_BYTES, ReplayableBody } from './replay.ts';
export type { RetryEvents, RetryOptions } from './retry.ts';
export { RETRY_BACKOFF, retryLayer, TRIES_HEADER } from './retry.ts';
