/**
 * Retries as the seed writes them (`attempts`, `perTryTimeout`), with Linkerd's `retryOn`
 * conditions (`retry.linkerd.io/http`: `5xx`, `gateway-error`, `503`, `500-504`; and
 * `retry.linkerd.io/grpc`: `cancelled`, `deadline-exceeded`, `internal`, `resource-exhausted`,
 * `unavailable`), and the retry budget of Linkerd's ServiceProfiles, which caps retries as a
 * share of real traffic.
 */
import type { RetriesConfig, RetryBudgetConfig, RetryCondition } from '@fusion/mesh-types';
import {
  array,
  bool,
  decimal,
  duration,
  int,
  mismatch,
  object,
  optional,
  required,
  type Schema,
  scalarValue,
  schema,
  transform,
} from '../../schema/index.ts';

const CONDITION =
  "a retry condition: '5xx', 'gateway-error', a status such as 503, a range such as 500-504, or a gRPC status: cancelled, deadline-exceeded, internal, resource-exhausted, unavailable";

const NAMED: Readonly<Record<string, RetryCondition>> = {
  '5xx': { min: 500, max: 599 },
  // Linkerd's name for the statuses a proxy or gateway answers with when the app is unreachable.
  'gateway-error': { min: 502, max: 504 },
  // The gRPC codes Linkerd's retry.linkerd.io/grpc accepts, by their numbers (grpc/status.h).
  cancelled: { grpcStatus: 1 },
  'deadline-exceeded': { grpcStatus: 4 },
  'resource-exhausted': { grpcStatus: 8 },
  internal: { grpcStatus: 13 },
  unavailable: { grpcStatus: 14 },
};

function statusRange(text: string): RetryCondition | undefined {
  const named = NAMED[text];
  if (named !== undefined) return named;
  const match = /^([1-5]\d\d)(?:-([1-5]\d\d))?$/.exec(text);
  if (match === null) return undefined;
  const min = Number(match[1]);
  const max = Number(match[2] ?? match[1]);
  return min <= max ? { min, max } : undefined;
}

/** `503` arrives as a number and `500-504` as a string; both are accepted. */
const condition: Schema<RetryCondition> = schema(CONDITION, (node, at) => {
  const value = scalarValue(node);
  const range =
    typeof value === 'string' || typeof value === 'number' ? statusRange(String(value)) : undefined;
  return range ?? mismatch(node, at, CONDITION);
});

export const retries: Schema<RetriesConfig> = transform(
  object({
    attempts: required(int(0, 10)),
    perTryTimeout: optional(duration({ min: 1 })),
    retryOn: optional(array(condition, { nonEmpty: true })),
    nonIdempotent: optional(bool()),
  }),
  // Keys left out stay out, so the result compares equal to what was written.
  ({ attempts, perTryTimeout, retryOn, nonIdempotent }): RetriesConfig => ({
    attempts,
    ...(perTryTimeout === undefined ? {} : { perTryTimeoutMs: perTryTimeout }),
    ...(retryOn === undefined ? {} : { retryOn }),
    ...(nonIdempotent === undefined ? {} : { nonIdempotent }),
  }),
);

export const retryBudget: Schema<RetryBudgetConfig> = transform(
  object({
    retryRatio: optional(decimal(0)),
    minRetriesPerSecond: optional(int(0)),
    ttl: optional(duration({ min: 1_000 })),
  }),
  ({ ttl, ...rest }): RetryBudgetConfig => (ttl === undefined ? rest : { ...rest, ttlMs: ttl }),
);
