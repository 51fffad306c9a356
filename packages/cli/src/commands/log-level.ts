/**
 * `fusion log-level <service|component> [level]`: a running component's log level, shown or
 * changed without a restart — a service's app and its sidecars (every replica), or only the
 * sidecars (`--proxy`) or the apps (`--app`). Exit codes: 0 done, 1 not running or a component
 * refused, 2 a bad argument.
 */
import type { Command } from 'commander';
import { LEVELS, selects } from '../logs/index.ts';
import { runtimeLevel, setProxyLevel, writeRuntimeLevel } from '../logs/levels.ts';
import { resolvePaths } from '../paths.ts';
import { statusReport } from './status.ts';

const EXAMPLES = `
Examples:
  fusion log-level identity debug          identity's app and sidecars, every replica
  fusion log-level identity                what they log at now
  fusion log-level ai-kernel warn --proxy  only ai-kernel's sidecars
  fusion log-level identity-1 info --app   one replica's app

An app follows the change at once (the service kit watches .fusion/run/log-level/); a sidecar
is told on its admin port, and also takes a filter such as 'warn,linkerd=debug' (with --proxy).
The change lasts until the next \`fusion up\` (a sidecar the supervisor restarts goes back to
fusion.yaml's mesh.proxyLogLevel; an app keeps the level); fusion.yaml (logging.level,
mesh.proxyLogLevel) sets where they start. \`fusion status\` shows levels changed this way.`;

interface LogLevelOptions {
  proxy?: boolean;
  app?: boolean;
}

export function registerLogLevel(program: Command): void {
  program
    .command('log-level')
    .description('show or change the log level of a running service, its sidecars or both')
    .argument('<target>', 'a service (its app and sidecars, every replica) or one component')
    .argument('[level]', `${LEVELS.join(', ')}`)
    .option('--proxy', 'only the sidecars')
    .option('--app', 'only the apps')
    .addHelpText('after', EXAMPLES)
    .action(async (target: string, level: string | undefined, options: LogLevelOptions) => {
      process.exitCode = await logLevel(program.opts(), target, level, options);
    });
}

async function logLevel(
  paths: { config?: string; stateDir?: string },
  target: string,
  level: string | undefined,
  options: LogLevelOptions,
): Promise<number> {
  const { stateDir } = resolvePaths(paths);
  const sidecarFilter = level !== undefined && options.proxy && /^[a-z0-9_,=:]+$/.test(level);
  if (level !== undefined && !(LEVELS as readonly string[]).includes(level) && !sidecarFilter) {
    console.error(`level: expected one of ${LEVELS.join(', ')}, got '${level}'`);
    return 2;
  }
  const report = statusReport(stateDir);
  if (!report.running) {
    console.error('AI Fusion Core is not running (`fusion up` starts it)');
    return 1;
  }
  const chosen = report.components.filter(
    (c) =>
      c.service !== undefined &&
      selects(target, c.name) &&
      (c.sidecar ? !options.app : !options.proxy),
  );
  if (chosen.length === 0) {
    const names = report.components.filter((c) => c.service).map((c) => c.name);
    console.error(`no component matches '${target}'; running: ${names.join(', ')}`);
    return 2;
  }
  let failed = 0;
  for (const component of chosen) {
    if (level === undefined) {
      console.log(
        `${component.name}: ${runtimeLevel(stateDir, component.name) ?? 'as fusion.yaml says'}`,
      );
      continue;
    }
    try {
      if (component.sidecar) await setProxyLevel(component.sidecar.admin, level);
      writeRuntimeLevel(stateDir, component.name, level);
      console.log(`${component.name}: ${level}`);
    } catch (error) {
      failed += 1;
      console.error(`${component.name}: not changed: ${(error as Error).message}`);
    }
  }
  return failed > 0 ? 1 : 0;
}
