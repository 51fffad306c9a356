/**
 * The seed's `trafficPolicies` and `circuitBreakers` blocks, accepted exactly as the seed
 * writes them (Istio-like selectors, `tls.mode`, `retries.attempts`, `perTryTimeout`).
 */
import type { CircuitBreaker, LabelSelector, TrafficPolicy } from '@fusion/mesh-types';
import {
  array,
  duration,
  int,
  nonEmpty,
  object,
  oneOf,
  optional,
  record,
  required,
  type Schema,
  string,
  transform,
} from '../schema/index.ts';

export const TLS_MODES = ['DISABLE', 'SIMPLE', 'MUTUAL', 'ISTIO_MUTUAL'] as const;

const selector: Schema<LabelSelector> = object({
  matchLabels: required(record(string())),
});

const retries = transform(
  object({
    attempts: required(int(0, 10)),
    perTryTimeout: optional(duration({ min: 1 })),
  }),
  // Left out rather than undefined, so the result compares equal to what was written.
  ({ attempts, perTryTimeout }) =>
    perTryTimeout === undefined ? { attempts } : { attempts, perTryTimeoutMs: perTryTimeout },
);

const trafficRule = object({
  destination: required(object({ selector: required(selector) })),
  policy: required(
    object({
      tls: optional(object({ mode: required(oneOf(TLS_MODES)) })),
      retries: optional(retries),
    }),
  ),
});

export const trafficPolicy: Schema<TrafficPolicy> = object({
  name: required(string(nonEmpty)),
  selector: required(selector),
  // A policy without rules would do nothing, which is never what its author meant.
  policy: required(object({ traffic: required(array(trafficRule, { nonEmpty: true })) })),
});

export const circuitBreaker: Schema<CircuitBreaker> = object({
  name: required(string(nonEmpty)),
  selector: required(selector),
  policy: required(
    object({
      maxConnections: optional(int(0)),
      maxRequests: optional(int(0)),
      maxPendingRequests: optional(int(0)),
      maxRetries: optional(int(0)),
    }),
  ),
});
