/**
 * What a read of fusion.yaml means for the config in force, decided without any I/O: a valid
 * file with new content becomes the next generation (policies compiled, the services whose
 * policy changed named); a valid file with the same content changes nothing; an invalid one is
 * refused with every diagnostic and the generation in force stays. Pure, so every outcome is
 * tested without files or clocks.
 */
import { compilePolicies, contentVersion, type LoadResult, type NotEnforced } from '@fusion/config';
import type { Diagnostic, FusionConfig, ServicePolicy } from '@fusion/mesh-types';

export interface ConfigVersion {
  /** `contentVersion` of the validated config: comments and key order do not change it. */
  readonly hash: string;
  /** 1 for the file read at start, one more for each change applied since. */
  readonly generation: number;
  /** ISO time this generation was applied. */
  readonly loadedAt: string;
  readonly file: string;
}

export interface ConfigSnapshot {
  readonly version: ConfigVersion;
  readonly config: FusionConfig;
  readonly policies: Readonly<Record<string, ServicePolicy>>;
  readonly notEnforced: readonly NotEnforced[];
  readonly warnings: readonly Diagnostic[];
  /** Settings that differ from the config of generation 1; see restartNeeded. */
  readonly restartRequired: readonly string[];
}

export interface ConfigRefusal {
  /** ISO time of the read that refused it. */
  readonly at: string;
  readonly errors: readonly Diagnostic[];
}

export type Reload =
  | {
      readonly kind: 'applied';
      readonly snapshot: ConfigSnapshot;
      /** Services whose policy version changed, appeared or went away. */
      readonly changedPolicies: readonly string[];
    }
  | { readonly kind: 'unchanged' }
  | { readonly kind: 'refused'; readonly refusal: ConfigRefusal };

/** Generation 1, from the file read at start. */
export function firstSnapshot(
  config: FusionConfig,
  warnings: readonly Diagnostic[],
  file: string,
  now: Date,
): ConfigSnapshot {
  return snapshotOf(config, warnings, { file, generation: 1, now }, config);
}

/** The outcome of reading `result` while `current` is in force; `started` is generation 1's config. */
export function nextReload(
  current: ConfigSnapshot,
  started: FusionConfig,
  result: LoadResult,
  now: Date,
): Reload {
  if (!result.ok)
    return { kind: 'refused', refusal: { at: now.toISOString(), errors: result.errors } };
  if (contentVersion(result.config) === current.version.hash) return { kind: 'unchanged' };
  const snapshot = snapshotOf(
    result.config,
    result.warnings,
    { file: current.version.file, generation: current.version.generation + 1, now },
    started,
  );
  return {
    kind: 'applied',
    snapshot,
    changedPolicies: changedPolicies(current.policies, snapshot.policies),
  };
}

/**
 * The settings this control plane read at start and does not apply while running, by their
 * fusion.yaml keys, where the file in force differs from generation 1. Policy is applied live,
 * and `fusion up` itself reconciles processes (services, and a restart of the control plane
 * when its ports or log level change); the identity settings wait for the next `fusion up`.
 */
export function restartNeeded(started: FusionConfig, next: FusionConfig): string[] {
  const read = (c: FusionConfig): Record<string, unknown> => ({
    'mesh.trustDomain': c.mesh.trustDomain,
    'mesh.identity.certificateLifetime': c.mesh.certificateLifetimeMs,
    'mesh.identity.clockSkewAllowance': c.mesh.clockSkewAllowanceMs,
    'controlPlane.identity.port': c.controlPlane.identityPort,
    'controlPlane.destination.port': c.controlPlane.destinationPort,
    'controlPlane.adminPort': c.controlPlane.adminPort,
    'controlPlane.api.port': c.controlPlane.apiPort,
    'logging.level': c.logging.level,
  });
  const before = read(started);
  const after = read(next);
  return Object.keys(before).filter((key) => before[key] !== after[key]);
}

/** Services whose policy is not the same version in both, in the new file's order. */
export function changedPolicies(
  before: Readonly<Record<string, ServicePolicy>>,
  after: Readonly<Record<string, ServicePolicy>>,
): string[] {
  const names = [...Object.keys(after), ...Object.keys(before).filter((s) => !(s in after))];
  return names.filter((service) => before[service]?.version !== after[service]?.version);
}

function snapshotOf(
  config: FusionConfig,
  warnings: readonly Diagnostic[],
  at: { file: string; generation: number; now: Date },
  started: FusionConfig,
): ConfigSnapshot {
  // A config that validated has no conflicts, so compiling it cannot throw.
  const { policies, notEnforced } = compilePolicies(config);
  return {
    version: {
      hash: contentVersion(config),
      generation: at.generation,
      loadedAt: at.now.toISOString(),
      file: at.file,
    },
    config,
    policies,
    notEnforced,
    warnings,
    restartRequired: restartNeeded(started, config),
  };
}
