/** Facts about the run that make a figure comparable: machine, Node version, commit. */
import { execFileSync } from 'node:child_process';
import { cpus, totalmem } from 'node:os';

export interface RunFacts {
  readonly date: string;
  readonly cores: number;
  readonly cpuModel: string;
  readonly memoryGiB: number;
  readonly node: string;
  readonly commit: string;
  /** Uncommitted changes under packages/ when the run started: the code measured is not `commit`'s. */
  readonly dirty?: boolean;
}

export function runFacts(): RunFacts {
  let commit = 'unknown';
  let dirty: boolean | undefined;
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
    const changes = execFileSync('git', ['status', '--porcelain', '--', 'packages'], {
      encoding: 'utf8',
    });
    dirty = changes.trim() !== '';
  } catch {
    // Not a git checkout: leave it unknown.
  }
  return {
    date: new Date().toISOString(),
    cores: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    commit,
    ...(dirty !== undefined ? { dirty } : {}),
  };
}
