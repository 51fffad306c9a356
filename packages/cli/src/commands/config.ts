/**
 * `fusion config`: `validate [file]` checks a fusion.yaml and prints every problem with its
 * position; `show` and `apply FILE` read and change the running platform's (config-show.ts,
 * config-apply.ts).
 */
import { loadConfigFile } from '@fusion/config';
import { formatDiagnostic } from '@fusion/mesh-types';
import type { Command } from 'commander';
import { resolvePaths } from '../paths.ts';
import { applyConfig } from './config-apply.ts';
import { showConfig } from './config-show.ts';

export function registerConfig(program: Command): void {
  const config = program.command('config').description('work with fusion.yaml');
  config
    .command('validate')
    .description('check a fusion.yaml; prints file:line:col: reason for every problem')
    .argument('[file]', 'the file to check (default: --config, FUSION_CONFIG or ./fusion.yaml)')
    .action((file: string | undefined) => {
      const path = file ?? program.opts().config ?? process.env.FUSION_CONFIG ?? 'fusion.yaml';
      process.exitCode = validate(path);
    });
  config
    .command('show')
    .description(
      'the fusion.yaml the running control plane has in force: version, generation, file, last error',
    )
    .option('--json', 'machine-readable output (GET /api/v1/config)')
    .action(async (options: { json?: boolean }) => {
      process.exitCode = await showConfig(resolvePaths(program.opts()).stateDir, options);
    });
  config
    .command('apply')
    .description(
      "validate FILE, then make it the running platform's fusion.yaml and wait until the control plane has it in force",
    )
    .argument('<file>', 'the new fusion.yaml')
    .action(async (file: string) => {
      process.exitCode = await applyConfig({
        file,
        stateDir: resolvePaths(program.opts()).stateDir,
      });
    });
}

/** Prints the result; returns the exit code (0 valid, 1 invalid). */
export function validate(path: string): number {
  const result = loadConfigFile(path);
  for (const warning of result.warnings) console.error(formatDiagnostic(warning));
  if (!result.ok) {
    for (const error of result.errors) console.error(formatDiagnostic(error));
    const count = result.errors.length;
    console.error(`${path}: ${count} error${count === 1 ? '' : 's'}; not valid`);
    return 1;
  }
  const services = Object.keys(result.config.services).length;
  const warnings = result.warnings.length;
  console.log(
    `${path} is valid: ${services} services, ${warnings} warning${warnings === 1 ? '' : 's'}`,
  );
  return 0;
}
