/** `fusion down`: asks the running supervisor to stop everything, and waits until it has. */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Command } from 'commander';
import { resolvePaths } from '../paths.ts';
import { readState, removePidFile, runningSupervisor } from '../supervisor/index.ts';
import { isAlive } from '../system/index.ts';

const STOP_TIMEOUT_MS = 60_000;

export function registerDown(program: Command): void {
  program
    .command('down')
    .description('stop a platform started with `fusion up` (components in reverse order)')
    .action(async () => {
      process.exitCode = await down(resolvePaths(program.opts()).stateDir);
    });
}

export async function down(stateDir: string): Promise<number> {
  const pid = runningSupervisor(stateDir);
  if (!pid) {
    console.log('fusion down: AI Fusion Core is not running');
    return 0;
  }
  console.log(`fusion down: stopping (supervisor pid ${pid})`);
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + STOP_TIMEOUT_MS;
  while (isAlive(pid) && Date.now() < deadline) await sleep(100);
  if (!isAlive(pid)) {
    console.log('fusion down: stopped');
    return 0;
  }
  // The supervisor is stuck: stop it and every process group it recorded, so nothing is left.
  console.error(
    `fusion down: supervisor did not stop within ${STOP_TIMEOUT_MS / 1000} s; killing it and its components`,
  );
  for (const component of readState(stateDir)?.components ?? []) {
    if (component.pid) killGroup(component.pid);
  }
  killGroup(pid);
  removePidFile(stateDir);
  return 1;
}

function killGroup(pid: number): void {
  for (const target of [-pid, pid]) {
    try {
      process.kill(target, 'SIGKILL');
    } catch {
      // Gone already, or not a group leader.
    }
  }
}
