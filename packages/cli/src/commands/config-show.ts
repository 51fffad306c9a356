/**
 * `fusion config show [--json]`: the fusion.yaml the running control plane has in force — its
 * version (a content hash), generation, file and load time — and the last file it refused, if
 * the one on disk now is refused. Exit 0 when shown, 3 when the platform is not running (as
 * `fusion status`), 1 when it runs but its API does not answer.
 */
import type { ApiConfig } from '@fusion/mesh-types';
import { ApiUnavailable, fetchConfig, locatePlatformApi } from './platform-api.ts';
import { NOT_RUNNING_EXIT } from './status.ts';

/** Where a command's lines go; the console by default, a list in tests. */
export interface Output {
  out(line: string): void;
  err(line: string): void;
}

export const consoleOutput: Output = {
  out: (line) => console.log(line),
  err: (line) => console.error(line),
};

export async function showConfig(
  stateDir: string,
  options: { readonly json?: boolean },
  output: Output = consoleOutput,
): Promise<number> {
  let config: ApiConfig;
  try {
    const api = locatePlatformApi(stateDir);
    if (!api.running) {
      output.err('AI Fusion Core is not running');
      return NOT_RUNNING_EXIT;
    }
    config = await fetchConfig(api.base);
  } catch (error) {
    if (!(error instanceof ApiUnavailable)) throw error;
    output.err(error.message);
    return 1;
  }
  if (options.json) output.out(JSON.stringify(config, null, 2));
  else for (const line of describeConfig(config)) output.out(line);
  return 0;
}

/** The human form: one `label  value` line per fact, then the refusal's positions if any. */
export function describeConfig(config: ApiConfig): string[] {
  const { applied, refused, unchanged } = config.reloads;
  const rows: [string, string][] = [
    ['version', `${config.version} (generation ${config.generation})`],
    ['file', config.file],
    ['loaded at', config.loadedAt],
    ['services', String(config.services.length)],
    [
      'warnings',
      config.warnings.length === 0
        ? '0'
        : `${config.warnings.length} (\`fusion config validate\` lists them)`,
    ],
    ['reloads', `${applied} applied, ${refused} refused, ${unchanged} unchanged`],
  ];
  if (config.restartRequired.length > 0) {
    rows.push([
      'on restart',
      `${config.restartRequired.join(', ')} (read at start; in force after the next \`fusion up\`)`,
    ]);
  }
  const lines = rows.map(([label, value]) => `${label.padEnd(12)}${value}`);
  const error = config.lastError;
  if (error) {
    lines.push(
      `${'last error'.padEnd(12)}the file on disk was refused at ${error.at}; generation ${config.generation} stays in force:`,
    );
    for (const diagnostic of error.errors) lines.push(`  ${diagnostic.text}`);
  }
  return lines;
}
