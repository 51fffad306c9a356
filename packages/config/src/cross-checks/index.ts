/**
 * Checks that need the whole file: each compares parts that are valid on their own.
 * They run even when other parts failed, over whatever did validate, so one run reports
 * every problem. The checks that need the compiled policy run last, on a valid config only
 * (compiled-policies.ts).
 */
import type {
  AuthorizationPolicyBlock,
  CircuitBreaker,
  FaultInjectionBlock,
  RateLimitBlock,
  TrafficPolicy,
} from '@fusion/mesh-types';
import type { Context, Located } from '../schema/index.ts';
import type { ServiceDraft } from '../sections/services.ts';
import { checkDependencies } from './dependencies.ts';
import { checkFaultInstances } from './fault-instances.ts';
import { checkPolicyBlocks } from './policies.ts';
import {
  authorizationRefs,
  checkServiceRefs,
  rateLimitRefs,
  trafficPolicyRefs,
} from './policy-references.ts';
import { checkPorts, type ReservedPort } from './ports.ts';

export { checkCompiledPolicies } from './compiled-policies.ts';
export type { ReservedPort } from './ports.ts';

export interface CrossCheckInput {
  readonly services: readonly ServiceDraft[];
  /** Ports the platform itself holds: the embedded PostgreSQL, the control plane. */
  readonly reserved: readonly ReservedPort[];
  readonly trafficPolicies: readonly Located<TrafficPolicy>[];
  readonly circuitBreakers: readonly Located<CircuitBreaker>[];
  readonly authorizationPolicies: readonly Located<AuthorizationPolicyBlock>[];
  readonly rateLimits: readonly Located<RateLimitBlock>[];
  readonly faultInjections: readonly Located<FaultInjectionBlock>[];
}

const none = () => [];

export function crossCheck(input: CrossCheckInput, ctx: Context): void {
  const { services } = input;
  checkPorts(services, input.reserved, ctx);
  checkDependencies(services, ctx);
  checkPolicyBlocks(
    input.trafficPolicies,
    (policy) =>
      policy.policy.traffic.map((rule, i) => ({
        selector: rule.destination.selector,
        path: ['policy', 'traffic', i, 'destination', 'selector'],
      })),
    services,
    ctx,
  );
  checkPolicyBlocks(
    input.circuitBreakers,
    (breaker) =>
      breaker.destination
        ? [{ selector: breaker.destination.selector, path: ['destination', 'selector'] }]
        : [],
    services,
    ctx,
  );
  checkPolicyBlocks(input.authorizationPolicies, none, services, ctx);
  checkPolicyBlocks(input.rateLimits, none, services, ctx);
  checkPolicyBlocks(input.faultInjections, none, services, ctx);
  checkFaultInstances(input.faultInjections, services, ctx);
  checkServiceRefs(input.trafficPolicies, trafficPolicyRefs, services, ctx);
  checkServiceRefs(input.authorizationPolicies, authorizationRefs, services, ctx);
  checkServiceRefs(input.rateLimits, rateLimitRefs, services, ctx);
}
