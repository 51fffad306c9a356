/** The `fusion` command line. One file per command under commands/. */
import { Command } from 'commander';
import { registerAudit } from './commands/audit.ts';
import { registerCheck } from './commands/check.ts';
import { registerConfig } from './commands/config.ts';
import { registerDown } from './commands/down.ts';
import { registerIdentity } from './commands/identity.ts';
import { registerLogLevel } from './commands/log-level.ts';
import { registerLogs } from './commands/logs.ts';
import { registerStatus } from './commands/status.ts';
import { registerTrace } from './commands/trace.ts';
import { registerUp } from './commands/up.ts';

const program = new Command('fusion')
  .description('AI Fusion Core: nine services and the service mesh that joins them')
  .option('-c, --config <file>', 'the configuration file (default: FUSION_CONFIG or ./fusion.yaml)')
  .option(
    '--state-dir <dir>',
    'where data, logs and run files live (default: FUSION_HOME or .fusion/ beside the config)',
  )
  .showHelpAfterError('(run `fusion --help` for usage)');

registerUp(program);
registerDown(program);
registerStatus(program);
registerConfig(program);
registerIdentity(program);
registerCheck(program);
registerAudit(program);
registerLogs(program);
registerLogLevel(program);
registerTrace(program);

await program.parseAsync(process.argv);
