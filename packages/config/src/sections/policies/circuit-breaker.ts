/**
 * The seed's `circuitBreakers` (Istio's connection-pool limits: `maxConnections`,
 * `maxRequests`, `maxPendingRequests`, `maxRetries`), applied by the selected services to what
 * they call, plus Linkerd's consecutive failure accrual, which ejects a failing endpoint and
 * probes it again with exponential backoff. `destination` narrows the called services.
 */
import type { CircuitBreaker, FailureAccrualConfig } from '@fusion/mesh-types';
import type { YAMLMap } from 'yaml';
import { DEFAULT_FAILURE_ACCRUAL } from '../../compile/defaults.ts';
import { formatDuration } from '../../duration.ts';
import {
  decimal,
  duration,
  int,
  keyNodeOf,
  object,
  optional,
  required,
  type Schema,
  transform,
} from '../../schema/index.ts';
import { blockHeader, destination } from './selector.ts';

const failureAccrual: Schema<FailureAccrualConfig> = transform(
  object({
    consecutiveFailures: optional(int(1)),
    minPenalty: optional(duration({ min: 1 })),
    maxPenalty: optional(duration({ min: 1 })),
    jitterRatio: optional(decimal(0, 100)),
  }),
  ({ consecutiveFailures, minPenalty, maxPenalty, jitterRatio }, node, at) => {
    // Compared with Linkerd's defaults filled in, as the compiler will fill them.
    const min = minPenalty ?? DEFAULT_FAILURE_ACCRUAL.minPenaltyMs;
    const max = maxPenalty ?? DEFAULT_FAILURE_ACCRUAL.maxPenaltyMs;
    if (min > max) {
      const key = maxPenalty === undefined ? 'minPenalty' : 'maxPenalty';
      const reason = `minPenalty ${formatDuration(min)} is above maxPenalty ${formatDuration(max)}${maxPenalty === undefined ? ' (the default)' : ''}`;
      return at.key(key).error(keyNodeOf(node as YAMLMap, key), reason);
    }
    return {
      ...(consecutiveFailures === undefined ? {} : { consecutiveFailures }),
      ...(minPenalty === undefined ? {} : { minPenaltyMs: minPenalty }),
      ...(maxPenalty === undefined ? {} : { maxPenaltyMs: maxPenalty }),
      ...(jitterRatio === undefined ? {} : { jitterRatio }),
    };
  },
);

export const circuitBreaker: Schema<CircuitBreaker> = object({
  ...blockHeader,
  destination: optional(destination),
  policy: required(
    object({
      maxConnections: optional(int(0)),
      maxRequests: optional(int(0)),
      maxPendingRequests: optional(int(0)),
      maxRetries: optional(int(0)),
      failureAccrual: optional(failureAccrual),
    }),
  ),
});
