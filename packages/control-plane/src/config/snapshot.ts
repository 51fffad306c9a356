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
 * Which settings differ from those the control plane started with. Only policy is applied
 * live; listeners, identity settings, log levels and the service list are read once by the
 * processes `fusion up` starts, so they wait for the next start. `mesh.defaultInboundPolicy`
 * is left out: it is compiled into every inbound policy and so travels with the push.
 */
export function restartNeeded(started: FusionConfig, next: FusionConfig): string[] {
  const differs = (a: unknown, b: unknown) =>
    contentVersion(a ?? null) !== contentVersion(b ?? null);
  const changed: string[] = [];
  const { defaultInboundPolicy: _a, ...meshBefore } = started.mesh;
  const { defaultInboundPolicy: _b, ...meshAfter } = next.mesh;
  if (differs(meshBefore, meshAfter)) changed.push('mesh');
  for (const section of ['infrastructure', 'controlPlane', 'logging'] as const) {
    if (differs(started[section], next[section])) changed.push(section);
  }
  const names = new Set([...Object.keys(started.services), ...Object.keys(next.services)]);
  for (const name of names) {
    const before = started.services[name];
    const after = next.services[name];
    if (!before) changed.push(`services.${name} (added)`);
    else if (!after) changed.push(`services.${name} (removed)`);
    else if (differs(before, after)) changed.push(`services.${name}`);
  }
  return changed;
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
