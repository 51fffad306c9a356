/** The fusion.yaml in force: read at start, followed on disk, compiled to per-service policy. */
export { registerConfigMetrics } from './metrics.ts';
export type {
  ConfigRefusal,
  ConfigSnapshot,
  ConfigVersion,
  Reload,
} from './snapshot.ts';
export { changedPolicies, firstSnapshot, nextReload, restartNeeded } from './snapshot.ts';
export type {
  ChangeListener,
  ConfigSourceOptions,
  RefusalListener,
  ReloadCounts,
} from './source.ts';
export { ConfigSource } from './source.ts';
