/**
 * Checks that need the whole file: each compares parts that are valid on their own.
 * They run even when other parts failed, over whatever did validate, so one run reports
 * every problem.
 */
import type { CircuitBreaker, TrafficPolicy } from '@fusion/mesh-types';
import type { Context, Located } from '../schema/index.ts';
import type { ServiceDraft } from '../sections/services.ts';
import { checkDependencies } from './dependencies.ts';
import { checkPolicyBlocks } from './policies.ts';
import { checkPorts, type ReservedPort } from './ports.ts';

export type { ReservedPort } from './ports.ts';

export interface CrossCheckInput {
  readonly services: readonly ServiceDraft[];
  /** Ports the platform itself holds: the embedded PostgreSQL, the control plane. */
  readonly reserved: readonly ReservedPort[];
  readonly trafficPolicies: readonly Located<TrafficPolicy>[];
  readonly circuitBreakers: readonly Located<CircuitBreaker>[];
}

export function crossCheck(input: CrossCheckInput, ctx: Context): void {
  checkPorts(input.services, input.reserved, ctx);
  checkDependencies(input.services, ctx);
  checkPolicyBlocks(
    'trafficPolicies',
    input.trafficPolicies,
    (policy) =>
      policy.policy.traffic.map((rule, i) => ({
        selector: rule.destination.selector,
        path: ['policy', 'traffic', i, 'destination', 'selector'],
      })),
    input.services,
    ctx,
  );
  checkPolicyBlocks('circuitBreakers', input.circuitBreakers, () => [], input.services, ctx);
}
