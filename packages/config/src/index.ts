/**
 * @fusion/config — loads fusion.yaml, validates it with file, line and column for every
 * problem, and returns the FusionConfig from @fusion/mesh-types with all defaults applied.
 */
export { formatDuration, parseDuration } from './duration.ts';
export type { LoadResult, ParseOptions } from './load.ts';
export { ConfigError, loadConfigFile, loadConfigOrThrow, parseConfig } from './load.ts';
