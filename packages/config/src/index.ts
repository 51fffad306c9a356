/**
 * @fusion/config — loads fusion.yaml, validates it with file, line and column for every
 * problem, and returns the FusionConfig from @fusion/mesh-types with all defaults applied;
 * compiles its policy blocks into the ServicePolicy each proxy applies.
 */
export { ENFORCED_POLICY_FIELDS, POLICY_FIELDS } from '@fusion/mesh-types';
export type { CompiledPolicies, NotEnforced, PolicyConflict, Target } from './compile/index.ts';
export {
  compilePolicies,
  contentVersion,
  findPolicyConflicts,
  PolicyConflictError,
} from './compile/index.ts';
export { formatDuration, parseDuration } from './duration.ts';
export type { LoadResult, ParseOptions } from './load.ts';
export { ConfigError, loadConfigFile, loadConfigOrThrow, parseConfig } from './load.ts';
