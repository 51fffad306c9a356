/**
 * `fusion status [--json]`: every component with its state, pid, addresses and uptime. The
 * JSON form is what scripts and tests use to find ports. Exit code 0 while running, 3 when
 * not running (the LSB convention for "program is not running").
 */
import type { Command } from 'commander';
import { runtimeLevel } from '../logs/levels.ts';
import { resolvePaths } from '../paths.ts';
import {
  readState,
  runningSupervisor,
  type SidecarAddresses,
  type SupervisorState,
} from '../supervisor/index.ts';
import { listeningAddresses } from '../system/index.ts';

export const NOT_RUNNING_EXIT = 3;

export interface StatusReport {
  readonly running: boolean;
  readonly pid?: number;
  readonly phase?: string;
  readonly configFile?: string;
  readonly uptimeSeconds?: number;
  readonly components: readonly ComponentReport[];
}

export interface ComponentReport {
  readonly name: string;
  readonly tier: string;
  readonly service?: string;
  readonly state: string;
  readonly pid: number | null;
  /** Addresses fusion.yaml gives it. */
  readonly addresses: readonly string[];
  /** For a sidecar: its inbound, outbound and admin listeners and its app's address. */
  readonly sidecar?: SidecarAddresses;
  /** Every TCP address the process listens on now (from /proc; null where unknown). */
  readonly listening: readonly string[] | null;
  readonly uptimeSeconds: number | null;
  readonly restarts: number;
  readonly lastExit?: string;
  /** The level `fusion log-level` set, while it lasts (absent: as fusion.yaml says). */
  readonly logLevel?: string;
}

export function registerStatus(program: Command): void {
  program
    .command('status')
    .description('list every component with pid, addresses, state and uptime')
    .option('--json', 'machine-readable output')
    .action((options: { json?: boolean }) => {
      const report = statusReport(resolvePaths(program.opts()).stateDir);
      if (options.json) console.log(JSON.stringify(report, null, 2));
      else if (!report.running) console.log('AI Fusion Core is not running');
      else printReport(report);
      process.exitCode = report.running ? 0 : NOT_RUNNING_EXIT;
    });
}

export function statusReport(stateDir: string, now = Date.now()): StatusReport {
  const pid = runningSupervisor(stateDir);
  const state = readState(stateDir);
  if (!pid || !state || state.pid !== pid) return { running: false, components: [] };
  return {
    running: true,
    pid,
    phase: state.phase,
    configFile: state.configFile,
    uptimeSeconds: secondsSince(state.startedAt, now),
    components: state.components.map((c) => {
      const live = c.pid ? listeningAddresses(c.pid) : undefined;
      return {
        name: c.name,
        tier: c.tier,
        ...(c.service ? { service: c.service } : {}),
        ...(c.sidecar ? { sidecar: c.sidecar } : {}),
        state: c.state,
        pid: c.pid ?? null,
        addresses: c.addresses,
        listening: live
          ? live.map((a) =>
              a.host.includes(':') ? `[${a.host}]:${a.port}` : `${a.host}:${a.port}`,
            )
          : null,
        uptimeSeconds: c.pid && c.startedAt ? secondsSince(c.startedAt, now) : null,
        restarts: c.restarts,
        ...(c.lastExit ? { lastExit: c.lastExit } : {}),
        ...levelOf(stateDir, c.name),
      };
    }),
  };
}

/** The table `fusion up --detach` prints once ready. */
export function printStatusTable(state: SupervisorState): void {
  printReport(statusReport(state.stateDir));
}

function printReport(report: StatusReport): void {
  console.log(
    `AI Fusion Core: ${report.phase} (supervisor pid ${report.pid}, up ${formatUptime(report.uptimeSeconds ?? null)})`,
  );
  const rows = report.components.map((c) => [
    c.name,
    c.tier,
    c.state,
    c.pid === null ? '-' : String(c.pid),
    (c.listening && c.listening.length > 0 ? c.listening : c.addresses).join(','),
    formatUptime(c.uptimeSeconds),
    String(c.restarts),
    c.logLevel ?? '-',
  ]);
  const header = ['COMPONENT', 'TIER', 'STATE', 'PID', 'ADDRESSES', 'UPTIME', 'RESTARTS', 'LOG'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  for (const row of [header, ...rows]) {
    console.log(
      row
        .map((cell, i) => cell.padEnd(widths[i]!))
        .join('  ')
        .trimEnd(),
    );
  }
}

function levelOf(stateDir: string, component: string): { logLevel?: string } {
  const level = runtimeLevel(stateDir, component);
  return level === undefined ? {} : { logLevel: level };
}

function secondsSince(iso: string, now: number): number {
  return Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
}

function formatUptime(seconds: number | null): string {
  if (seconds === null) return '-';
  if (seconds < 60) return `${seconds}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m${seconds % 60}s`;
  return `${Math.floor(seconds / 3600)}h${Math.floor((seconds % 3600) / 60)}m`;
}
