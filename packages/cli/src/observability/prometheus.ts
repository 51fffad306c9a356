/**
 * Prometheus in the observability tier of `fusion up`: the machine's own binary (Debian's
 * `prometheus` package), run with the repository's configuration (deploy/prometheus/, the same
 * files the compose deployment mounts) copied under the state directory, where its targets,
 * data and rules live. Without the binary `fusion up` says how to install it and carries on.
 */
import { accessSync, constants, cpSync, mkdirSync, rmSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import type { FusionConfig } from '@fusion/mesh-types';
import type { ComponentSpec } from '../supervisor/index.ts';

export const PROMETHEUS = 'prometheus';
const LOOPBACK = '127.0.0.1';

/** How to get the binary on the machines this project supports. */
export const INSTALL_HINT =
  'install it with `apt-get install prometheus` (Debian, Ubuntu), or set FUSION_PROMETHEUS_BIN to its path';

/** The `prometheus` binary: FUSION_PROMETHEUS_BIN, else the first on PATH; undefined if none. */
export function findPrometheus(
  env: Readonly<Record<string, string | undefined>> = process.env,
): string | undefined {
  const candidates = env.FUSION_PROMETHEUS_BIN
    ? [env.FUSION_PROMETHEUS_BIN]
    : (env.PATH ?? '')
        .split(delimiter)
        .filter(Boolean)
        .map((dir) => join(dir, PROMETHEUS));
  return candidates.find((path) => {
    try {
      accessSync(path, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/** Where Prometheus's files live under the state directory. */
export function prometheusDir(stateDir: string): {
  readonly root: string;
  readonly config: string;
  readonly targets: string;
  readonly data: string;
} {
  const root = join(stateDir, PROMETHEUS);
  return {
    root,
    config: join(root, 'prometheus.yml'),
    targets: join(root, 'targets'),
    data: join(root, 'data'),
  };
}

/**
 * Copies prometheus.yml and its rules from `sourceDir` (deploy/prometheus) into the state
 * directory, replacing the rules a previous run left, so an edit in the repository counts at
 * the next `fusion up`. The data directory is kept: history survives a restart.
 */
export function preparePrometheusDir(stateDir: string, sourceDir: string): void {
  const dir = prometheusDir(stateDir);
  mkdirSync(dir.data, { recursive: true });
  cpSync(join(sourceDir, 'prometheus.yml'), dir.config);
  rmSync(join(dir.root, 'rules'), { recursive: true, force: true });
  cpSync(join(sourceDir, 'rules'), join(dir.root, 'rules'), { recursive: true });
}

export function prometheusAddress(config: FusionConfig): string {
  return `${LOOPBACK}:${config.observability.prometheus.port}`;
}

/** The component, on loopback; it needs nothing else to start (it scrapes what is there). */
export function prometheusComponent(
  config: FusionConfig,
  binary: string,
  stateDir: string,
): ComponentSpec {
  const { port, retentionMs } = config.observability.prometheus;
  const dir = prometheusDir(stateDir);
  return {
    name: PROMETHEUS,
    tier: 'observability',
    command: binary,
    args: [
      `--config.file=${dir.config}`,
      `--storage.tsdb.path=${dir.data}`,
      `--storage.tsdb.retention.time=${Math.round(retentionMs / 1000)}s`,
      `--web.listen-address=${prometheusAddress(config)}`,
      // Its log lines in JSON, like every other component's (the log sink parses them).
      '--log.format=json',
    ],
    env: {},
    listen: [{ host: LOOPBACK, port }],
    readiness: {
      kind: 'http',
      url: `http://${prometheusAddress(config)}/-/ready`,
      timeoutMs: 60_000,
    },
    dependsOn: [],
  };
}
