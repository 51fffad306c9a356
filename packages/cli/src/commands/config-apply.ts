/**
 * `fusion config apply FILE`: makes FILE the running platform's fusion.yaml, the safe way.
 * FILE is validated first exactly as it will be read in place (entry paths relative to the
 * running file's directory); with any error nothing is written and every `file:line:col:
 * reason` is printed (exit 1). A valid FILE replaces the running file atomically (a temp file
 * renamed over it, so no reader ever sees half of it), and the command waits up to 5 s for the
 * control plane's API to report FILE's content version in force (exit 0), else exit 1.
 * Exit 3 when the platform is not running.
 */
import {
  closeSync,
  fsyncSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { contentVersion, parseConfig } from '@fusion/config';
import { type ApiConfig, formatDiagnostic } from '@fusion/mesh-types';
import { consoleOutput, type Output } from './config-show.ts';
import { ApiUnavailable, fetchConfig, locatePlatformApi } from './platform-api.ts';
import { NOT_RUNNING_EXIT } from './status.ts';

export interface ApplyOptions {
  /** The file to apply, as the user named it (diagnostics name it so). */
  readonly file: string;
  readonly stateDir: string;
  /** How long to wait for the control plane to report the new version; default 5 s. */
  readonly waitMs?: number;
  readonly pollMs?: number;
}

export async function applyConfig(
  options: ApplyOptions,
  output: Output = consoleOutput,
): Promise<number> {
  const { file } = options;
  let base: string;
  let before: ApiConfig;
  try {
    const api = locatePlatformApi(options.stateDir);
    if (!api.running) {
      output.err(
        'AI Fusion Core is not running; nothing to apply to (`fusion up` reads the file at start)',
      );
      return NOT_RUNNING_EXIT;
    }
    base = api.base;
    before = await fetchConfig(base);
  } catch (error) {
    if (!(error instanceof ApiUnavailable)) throw error;
    output.err(`${error.message}; nothing applied`);
    return 1;
  }
  // The file the control plane follows, as it names it: the one to replace.
  const target = before.file;

  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    output.err(
      `cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
    );
    return 1;
  }
  const result = parseConfig(text, { file, baseDir: dirname(target) });
  for (const warning of result.warnings) output.err(formatDiagnostic(warning));
  if (!result.ok) {
    for (const error of result.errors) output.err(formatDiagnostic(error));
    const count = result.errors.length;
    output.err(
      `${file}: ${count} error${count === 1 ? '' : 's'}; nothing applied, ${target} is unchanged`,
    );
    return 1;
  }
  const expected = contentVersion(result.config);

  const writtenAt = Date.now();
  try {
    writeAtomically(target, text);
  } catch (error) {
    output.err(`cannot write ${target}: ${(error as Error).message}; nothing applied`);
    return 1;
  }
  return waitForVersion(base, expected, writtenAt, { before, file, target, options, output });
}

/** Replaces `target` by renaming a complete, flushed copy over it; keeps its permissions. */
export function writeAtomically(target: string, text: string): void {
  let mode = 0o644;
  try {
    mode = statSync(target).mode & 0o777;
  } catch {}
  const temp = join(dirname(target), `.${basename(target)}.${process.pid}.tmp`);
  try {
    const fd = openSync(temp, 'w', mode);
    try {
      writeSync(fd, text);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, target);
  } catch (error) {
    rmSync(temp, { force: true });
    throw error;
  }
}

interface WaitContext {
  readonly before: ApiConfig;
  readonly file: string;
  readonly target: string;
  readonly options: ApplyOptions;
  readonly output: Output;
}

async function waitForVersion(
  base: string,
  expected: string,
  writtenAt: number,
  { before, file, target, options, output }: WaitContext,
): Promise<number> {
  const deadline = Date.now() + (options.waitMs ?? 5_000);
  let last = before;
  let problem: string | undefined;
  for (;;) {
    try {
      last = await fetchConfig(base);
      problem = undefined;
    } catch (error) {
      if (!(error instanceof ApiUnavailable)) throw error;
      problem = error.message;
    }
    if (last.version === expected && last.lastError === null) {
      reportApplied(last, before, file, output);
      return 0;
    }
    // Refused after our write: the control plane read something we did not validate.
    const refusal = last.lastError;
    if (refusal && last.version !== expected && Date.parse(refusal.at) >= writtenAt) {
      output.err(
        `the control plane refused ${target}; generation ${last.generation} stays in force:`,
      );
      for (const error of refusal.errors) output.err(`  ${error.text}`);
      return 1;
    }
    if (Date.now() >= deadline) {
      output.err(
        `${target} is written, but the control plane did not report version ${expected} within ${options.waitMs ?? 5_000} ms` +
          ` (it reports ${last.version}, generation ${last.generation}${problem ? `; ${problem}` : ''})`,
      );
      return 1;
    }
    await sleep(options.pollMs ?? 50);
  }
}

function reportApplied(now: ApiConfig, before: ApiConfig, file: string, output: Output): void {
  if (now.generation === before.generation) {
    output.out(
      `${file} is what is in force already: version ${now.version} (generation ${now.generation})`,
    );
  } else {
    output.out(
      `applied ${file}: version ${now.version} (generation ${now.generation}), was ${before.version} (generation ${before.generation})`,
    );
  }
  if (now.restartRequired.length > 0) {
    output.out(
      `read at start, in force after the next \`fusion up\`: ${now.restartRequired.join(', ')}`,
    );
  }
}
