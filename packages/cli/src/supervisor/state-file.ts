/**
 * The supervisor's published state: `.fusion/run/state.json`, rewritten atomically on every
 * change, and `.fusion/run/fusion.pid`. `fusion status`, `fusion down`, `fusion up --detach`
 * and tests read these; nothing else is shared between the supervisor and its clients.
 */
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isAlive } from '../system/index.ts';
import type { Tier } from './plan.ts';
import type { SidecarAddresses } from './sidecar.ts';

export type ComponentState =
  | 'pending'
  | 'starting'
  | 'ready'
  | 'restarting'
  | 'stopping'
  | 'stopped'
  | 'failed';
export type SupervisorPhase = 'starting' | 'running' | 'stopping' | 'stopped' | 'failed';

export interface ComponentStatus {
  readonly name: string;
  readonly tier: Tier;
  readonly service?: string;
  readonly state: ComponentState;
  readonly pid?: number;
  /** Addresses from fusion.yaml, e.g. `127.0.0.1:8002`. */
  readonly addresses: readonly string[];
  /** For a sidecar: its inbound, outbound and admin listeners and its app's address. */
  readonly sidecar?: SidecarAddresses;
  /** When the current process started (ISO time). */
  readonly startedAt?: string;
  readonly restarts: number;
  /** Why the last process ended, e.g. `killed by SIGKILL`. */
  readonly lastExit?: string;
  /** Why it failed, when state is `failed`. */
  readonly error?: string;
}

export interface SupervisorState {
  readonly pid: number;
  readonly phase: SupervisorPhase;
  readonly startedAt: string;
  readonly configFile: string;
  readonly stateDir: string;
  /** Set when the supervisor gave up, with the reason. */
  readonly error?: string;
  readonly components: readonly ComponentStatus[];
}

export function runDir(stateDir: string): string {
  return join(stateDir, 'run');
}

export function writeState(stateDir: string, state: SupervisorState): void {
  const dir = runDir(stateDir);
  mkdirSync(dir, { recursive: true });
  const target = join(dir, 'state.json');
  // Write then rename, so a reader never sees half a file.
  const temp = `${target}.${process.pid}.tmp`;
  writeFileSync(temp, `${JSON.stringify(state, null, 2)}\n`);
  renameSync(temp, target);
}

export function readState(stateDir: string): SupervisorState | undefined {
  try {
    return JSON.parse(
      readFileSync(join(runDir(stateDir), 'state.json'), 'utf8'),
    ) as SupervisorState;
  } catch {
    return undefined;
  }
}

export function writePidFile(stateDir: string, pid: number): void {
  mkdirSync(runDir(stateDir), { recursive: true });
  writeFileSync(join(runDir(stateDir), 'fusion.pid'), `${pid}\n`);
}

export function removePidFile(stateDir: string): void {
  rmSync(join(runDir(stateDir), 'fusion.pid'), { force: true });
}

/** The pid of a live supervisor for this state directory, if one runs. */
export function runningSupervisor(stateDir: string): number | undefined {
  let text: string;
  try {
    text = readFileSync(join(runDir(stateDir), 'fusion.pid'), 'utf8');
  } catch {
    return undefined;
  }
  const pid = Number.parseInt(text.trim(), 10);
  return Number.isInteger(pid) && pid > 0 && isAlive(pid) ? pid : undefined;
}
