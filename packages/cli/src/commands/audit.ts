/**
 * `fusion audit`: the access decisions the inbound sidecars recorded (authorization and rate
 * limits), newest last, from every replica's audit log under the state directory. Exit codes:
 * 0 records shown (or none matched), 1 no audit log yet, 2 a bad option.
 */
import type { Command } from 'commander';
import {
  type AuditEntry,
  type AuditFilter,
  auditDir,
  auditFiles,
  endOffsets,
  FOLLOW_INTERVAL_MS,
  readAudit,
  readNew,
  shortCaller,
} from '../audit/index.ts';
import { resolvePaths } from '../paths.ts';
import { sinceOption } from './shared.ts';

interface AuditOptions {
  denied?: boolean;
  service?: string;
  caller?: string;
  since?: string;
  probes?: boolean;
  follow?: boolean;
  json?: boolean;
  limit: string;
}

const EXAMPLES = `
Examples:
  fusion audit --denied                  every refusal (403 and 429), newest last
  fusion audit --service identity --since 10m
  fusion audit --caller vision --json    vision's calls, as JSON lines
  fusion audit -f --denied               refusals as they happen (Ctrl-C to stop)

Each inbound sidecar writes .fusion/logs/audit/<replica>.log (fusion.yaml mesh.audit sets how
many allowed requests are kept, and the file size). The control plane's readiness probes are
hidden unless --probes is given.`;

export function registerAudit(program: Command): void {
  program
    .command('audit')
    .description('show the access decisions (allowed and denied) the sidecars recorded')
    .option('--denied', 'only refusals')
    .option('--service <name>', 'only calls to this service')
    .option('--caller <name>', 'only calls from this service, identity, or "unauthenticated"')
    .option('--since <duration>', 'only the last 10m, 1h, … of records')
    .option('--probes', "include the control plane's readiness probes")
    .option('-f, --follow', 'keep printing records as they are written')
    .option('--json', 'one JSON record per line, as written')
    .option('-n, --limit <count>', 'at most this many of the newest records (0: all)', '200')
    .addHelpText('after', EXAMPLES)
    .action((options: AuditOptions) => {
      const dir = auditDir(resolvePaths(program.opts()).stateDir);
      const filter = filterOf(options);
      const limit = Number(options.limit);
      if (filter === undefined || !Number.isInteger(limit) || limit < 0) {
        if (filter !== undefined)
          console.error(`--limit: expected a whole number, got '${options.limit}'`);
        process.exitCode = 2;
        return;
      }
      if (auditFiles(dir).length === 0) {
        console.error(`no audit log in ${dir}: the sidecars write one once \`fusion up\` runs`);
        process.exitCode = 1;
        return;
      }
      const { records, skipped } = readAudit(dir, filter);
      const shown = limit === 0 ? records : records.slice(-limit);
      const print = printer(options.json === true);
      print.header();
      for (const record of shown) print.record(record);
      if (skipped > 0) console.error(`(${skipped} line(s) that are not records were skipped)`);
      if (!options.follow) return;
      const offsets = endOffsets(dir);
      const timer = setInterval(() => {
        for (const record of readNew(dir, offsets, filter)) print.record(record);
      }, FOLLOW_INTERVAL_MS);
      process.once('SIGINT', () => clearInterval(timer));
    });
}

function filterOf(options: AuditOptions): AuditFilter | undefined {
  const sinceMs = options.since === undefined ? undefined : sinceOption(options.since);
  if (options.since !== undefined && sinceMs === undefined) return undefined;
  return {
    ...(options.denied && { deniedOnly: true }),
    ...(options.service !== undefined && { service: options.service }),
    ...(options.caller !== undefined && { caller: options.caller }),
    ...(sinceMs !== undefined && { sinceMs }),
    ...(options.probes && { probes: true }),
  };
}

const COLUMNS = ['TIME', 'DECISION', 'SERVICE', 'CALLER', 'METHOD', 'PATH', 'POLICY'];
const WIDTHS = [24, 8, 14, 18, 7, 28];

function printer(json: boolean) {
  const row = (cells: string[]) =>
    cells.map((cell, i) => (i < WIDTHS.length ? cell.padEnd(WIDTHS[i]!) : cell)).join(' ');
  return {
    header: () => {
      if (!json) console.log(row(COLUMNS));
    },
    record: (r: AuditEntry) => {
      if (json) return console.log(JSON.stringify(r));
      console.log(
        row([
          r.time,
          r.decision,
          r.instance,
          shortCaller(r.caller),
          r.method,
          r.path,
          r.reason ? `${r.policy} (${r.reason})` : r.policy,
        ]),
      );
    },
  };
}
