/**
 * While `fusion up` runs it follows fusion.yaml: a valid change becomes a new plan that the
 * supervisor reconciles (scale a service, add one, change its env — nothing else restarts); an
 * invalid one is refused with every `file:line:col: reason` and the platform runs on as it was.
 * The control plane follows the same file for policy; this side only runs processes.
 */
import { type FSWatcher, watch } from 'node:fs';
import { basename, dirname } from 'node:path';
import { loadConfigFile } from '@fusion/config';
import { type FusionConfig, formatDiagnostic } from '@fusion/mesh-types';
import type { Plan, Supervisor } from '../supervisor/index.ts';

export interface FollowConfigOptions {
  readonly configPath: string;
  /** The config running now: a save that changes nothing applies nothing. */
  readonly running: FusionConfig;
  readonly supervisor: Supervisor;
  /** The plan for a new config; rejects when it cannot run (a port clash). */
  readonly plan: (config: FusionConfig) => Plan | Promise<Plan>;
  /** Writes tokens for new workloads before they start. */
  readonly beforeStart: (plan: Plan) => Promise<void>;
  /** Where each outcome is told: the terminal and the supervisor log. */
  readonly report: (level: 'info' | 'warn' | 'error', message: string) => void;
}

/** Editors write a file in several steps; one reload per burst of changes. */
const SETTLE_MS = 200;

/** Starts following; returns the function that stops. */
export function followConfig(options: FollowConfigOptions): () => void {
  const name = basename(options.configPath);
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  let lastText: string | undefined = JSON.stringify(options.running);
  // The directory, not the file: an editor's rename-into-place would end a watch on the file.
  const watcher: FSWatcher = watch(dirname(options.configPath), (_event, file) => {
    if (file !== null && file !== name) return;
    clearTimeout(timer);
    timer = setTimeout(() => {
      // One reload at a time, in the order the changes came.
      running = running.then(() =>
        reload(options, lastText).then((text) => {
          lastText = text ?? lastText;
        }),
      );
    }, SETTLE_MS);
  });
  watcher.unref();
  return () => {
    clearTimeout(timer);
    watcher.close();
  };
}

/** Applies the file if it changed and is valid; the text applied, or undefined. */
async function reload(options: FollowConfigOptions, lastText: string | undefined) {
  const result = loadConfigFile(options.configPath);
  if (!result.ok) {
    const where = result.errors.map((e) => formatDiagnostic(e)).join('\n');
    options.report(
      'error',
      `fusion.yaml changed but is invalid; still running the last good one:\n${where}`,
    );
    return undefined;
  }
  const text = JSON.stringify(result.config);
  if (text === lastText) return undefined;
  let plan: Plan;
  try {
    plan = await options.plan(result.config);
    await options.beforeStart(plan);
    const outcome = await options.supervisor.reconcile(plan.components);
    const parts = [
      outcome.started.length > 0 ? `started ${outcome.started.join(', ')}` : '',
      outcome.stopped.length > 0 ? `stopped ${outcome.stopped.join(', ')}` : '',
      outcome.restarted.length > 0 ? `restarted ${outcome.restarted.join(', ')}` : '',
    ].filter(Boolean);
    options.report('info', `fusion.yaml reloaded: ${parts.join('; ') || 'no process to change'}`);
  } catch (error) {
    options.report(
      'error',
      `fusion.yaml changed but cannot be applied: ${(error as Error).message}`,
    );
    return undefined;
  }
  return text;
}
