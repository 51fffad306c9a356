/** Compiling fusion.yaml's policy blocks into the per-service policy proxies apply. */
export type { CompiledPolicies } from './compile.ts';
export { compilePolicies, findPolicyConflicts, PolicyConflictError } from './compile.ts';
export {
  DEFAULT_BACKEND_WEIGHT,
  DEFAULT_FAILURE_ACCRUAL,
  DEFAULT_RETRY_BUDGET,
  DEFAULT_RETRY_ON,
  DEFAULT_ROUTE,
} from './defaults.ts';
export type { NotEnforced } from './not-enforced.ts';
export type { Path } from './path.ts';
export { formatPath, parsePath } from './path.ts';
export type { PolicyConflict, Target } from './plan.ts';
export { describeTargets } from './plan.ts';
export { contentVersion } from './version.ts';
