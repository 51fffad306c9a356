/**
 * Where things are: the configuration file (`--config`, FUSION_CONFIG, or ./fusion.yaml) and
 * the state directory for data, logs and run files (`--state-dir`, FUSION_HOME, or `.fusion/`
 * beside the configuration file).
 */
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface PathOptions {
  readonly config?: string;
  readonly stateDir?: string;
}

export interface Paths {
  /** The configuration file as the user named it (used in messages). */
  readonly configFile: string;
  readonly configPath: string;
  readonly baseDir: string;
  readonly stateDir: string;
  readonly logDir: string;
}

export function resolvePaths(options: PathOptions, env = process.env): Paths {
  const configFile = options.config ?? env.FUSION_CONFIG ?? 'fusion.yaml';
  const configPath = resolve(configFile);
  const baseDir = dirname(configPath);
  const stateDir = resolve(options.stateDir ?? env.FUSION_HOME ?? join(baseDir, '.fusion'));
  return { configFile, configPath, baseDir, stateDir, logDir: join(stateDir, 'logs') };
}

// From source these are .ts files; in the esbuild bundle (dist/cli/) they are .js beside main.js.
const ext = import.meta.url.endsWith('.ts') ? '.ts' : '.js';

/** The repository's deployment files (deploy/): Prometheus's configuration and rules. */
export const deployDir = fileURLToPath(
  new URL(ext === '.ts' ? '../../../deploy/' : '../../deploy/', import.meta.url),
);

/** Programs the supervisor runs as separate processes. */
export const programs = {
  postgres: fileURLToPath(new URL(`./infra/postgres-main${ext}`, import.meta.url)),
  controlPlane: fileURLToPath(
    ext === '.ts'
      ? import.meta.resolve('@fusion/control-plane/main')
      : new URL('../control-plane/main.js', import.meta.url),
  ),
  proxy: fileURLToPath(
    ext === '.ts'
      ? import.meta.resolve('@fusion/proxy/main')
      : new URL('../proxy/main.js', import.meta.url),
  ),
};

/** The tsx loader, as a URL node's `--import` accepts whatever the working directory. */
export const tsxImport = import.meta.resolve('tsx');
