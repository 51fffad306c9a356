/**
 * fusion.yaml's policy blocks to one ServicePolicy per service. Pure: the same config always
 * gives deep-equal policies with the same versions; no clock, no I/O, no randomness.
 */
import {
  ENFORCED_POLICY_FIELDS,
  type FusionConfig,
  type OutboundPolicy,
  type PolicyField,
  type ServicePolicy,
} from '@fusion/mesh-types';
import { compileInbound } from './inbound.ts';
import { type NotEnforced, notEnforcedFields } from './not-enforced.ts';
import { compileOutbound } from './outbound.ts';
import { type PolicyConflict, planPolicies } from './plan.ts';
import { contentVersion } from './version.ts';

export interface CompiledPolicies {
  /** Every service of the file, in file order. */
  readonly policies: Record<string, ServicePolicy>;
  /** Written settings the sidecar does not enforce yet, each where it was written. */
  readonly notEnforced: NotEnforced[];
}

/**
 * Two places setting the same thing for the same pair. The validator reports these as errors
 * with both positions, so a loaded config never has any.
 */
export function findPolicyConflicts(config: FusionConfig): PolicyConflict[] {
  return planPolicies(config).conflicts;
}

export class PolicyConflictError extends Error {
  override readonly name = 'PolicyConflictError';
  constructor(readonly conflicts: readonly PolicyConflict[]) {
    const first = conflicts[0]!;
    super(
      `${first.path}: ${first.setting} is already set by ${first.firstPath}` +
        (conflicts.length > 1 ? ` (and ${conflicts.length - 1} more conflicts)` : ''),
    );
  }
}

/**
 * Throws PolicyConflictError on a config the validator would have refused; a config from
 * parseConfig or loadConfigFile never has conflicts. `enforced` is for tests of the warnings.
 */
export function compilePolicies(
  config: FusionConfig,
  enforced: readonly PolicyField[] = ENFORCED_POLICY_FIELDS,
): CompiledPolicies {
  const plan = planPolicies(config);
  if (plan.conflicts.length > 0) throw new PolicyConflictError(plan.conflicts);
  const names = Object.keys(config.services);
  const policies: Record<string, ServicePolicy> = {};
  for (const service of names) {
    const settings = plan.outbound.get(service)!;
    const outbound: Record<string, OutboundPolicy> = {};
    // Service order, not block order: moving a block must not change the policy.
    for (const destination of names) {
      const slots = settings.get(destination);
      if (slots !== undefined) outbound[destination] = compileOutbound(destination, slots);
    }
    const content = {
      service,
      inbound: compileInbound(plan.inbound.get(service)!, config.mesh),
      outbound,
    };
    policies[service] = {
      service,
      version: contentVersion(content),
      inbound: content.inbound,
      outbound,
    };
  }
  return { policies, notEnforced: notEnforcedFields(plan.assignments, enforced) };
}
