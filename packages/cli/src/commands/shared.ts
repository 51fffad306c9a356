/** Steps several commands share: loading fusion.yaml with its diagnostics, port pre-flight. */
import { loadConfigFile, parseDuration } from '@fusion/config';
import { type FusionConfig, formatDiagnostic } from '@fusion/mesh-types';
import type { Paths } from '../paths.ts';
import type { ComponentSpec } from '../supervisor/index.ts';
import { commandLine, isPortFree, pidListeningOn } from '../system/index.ts';

/** The validated config, or undefined after printing why it was refused. */
export function loadConfigForCommand(paths: Paths): FusionConfig | undefined {
  const result = loadConfigFile(paths.configFile);
  for (const warning of result.warnings) console.error(formatDiagnostic(warning));
  if (result.ok) return result.config;
  for (const error of result.errors) console.error(formatDiagnostic(error));
  console.error(`${paths.configFile}: ${result.errors.length} error(s); refusing to start`);
  return undefined;
}

/** One line per address a component needs that something else already holds. */
export async function busyAddresses(components: readonly ComponentSpec[]): Promise<string[]> {
  const lines: string[] = [];
  for (const component of components) {
    for (const { host, port } of component.listen) {
      if (await isPortFree(host, port)) continue;
      const pid = pidListeningOn(port);
      const owner = pid ? ` by pid ${pid} (${commandLine(pid)?.slice(0, 80) ?? 'unknown'})` : '';
      lines.push(`${host}:${port} for ${component.name} is already in use${owner}`);
    }
  }
  return lines;
}

/**
 * `--since 10m` as the moment it names (ms since the epoch), for the commands that read
 * records back in time; undefined after saying what is wrong with it.
 */
export function sinceOption(text: string, report = console.error): number | undefined {
  const ms = parseDuration(text);
  if (ms === undefined) {
    report(`--since: expected a duration such as 30s, 10m or 2h, got '${text}'`);
    return undefined;
  }
  return Date.now() - ms;
}
