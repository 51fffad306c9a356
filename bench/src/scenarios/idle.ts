/**
 * `idle`: what the platform costs doing nothing. `fusion up --detach` on a copy of fusion.yaml
 * (ports moved, its own state directory: fresh PKI, embedded PostgreSQL, as on a fresh clone),
 * timed until it returns with everything ready; then, after a settling pause, every process in
 * the supervisor's tree (the supervisor, each component and anything a component started) is
 * read from /proc: CPU over the measured window and RSS sampled every second (mean and max).
 * No request is sent; what remains is timers, heartbeats, readiness probes, discovery
 * watches, certificate renewals and the runtimes themselves.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { type Platform, preparePlatform } from '../fixtures/platform.ts';

export const SUPERVISOR = 'fusion supervisor';
const TICKS_PER_SECOND = 100;
const PAGE_BYTES = 4096;

export interface IdleOptions {
  /** Seconds measured per platform. */
  readonly seconds: number;
  /** Seconds between "all ready" and the start of the measurement. */
  readonly settleSeconds: number;
  /** Platforms brought up one after another. */
  readonly rounds: number;
}

export interface ProcessFigures {
  /** Component name (its process group's leader), or the supervisor. */
  readonly name: string;
  /** Processes counted under it (a component that forks has more than one). */
  readonly processes: number;
  /** CPU seconds (user + system) during the window, of all its processes. */
  readonly cpuSeconds: number;
  readonly meanRssBytes: number;
  readonly maxRssBytes: number;
}

export interface IdleRound {
  readonly ok: boolean;
  readonly error?: string;
  /** `fusion up --detach`, from spawn until it returned with everything ready. */
  readonly upMs: number;
  readonly windowSeconds: number;
  readonly figures: readonly ProcessFigures[];
  readonly loadAverages: readonly number[];
}

export interface IdleRun {
  readonly options: IdleOptions;
  readonly rounds: readonly IdleRound[];
}

export async function runIdle(options: IdleOptions): Promise<IdleRun> {
  const rounds: IdleRound[] = [];
  for (let i = 0; i < options.rounds; i += 1) {
    console.error(`  fusion up --detach ${i + 1}/${options.rounds} …`);
    const round = await measureOnce(options);
    rounds.push(round);
    const total = sum(round.figures);
    console.error(
      round.ok
        ? `  round ${i + 1}: ready in ${(round.upMs / 1000).toFixed(1)} s; idle ${(total.meanRssBytes / 2 ** 20).toFixed(0)} MB RSS, ${((100 * total.cpuSeconds) / round.windowSeconds).toFixed(1)} % of a core`
        : `  round ${i + 1}: ${round.error}`,
    );
  }
  return { options, rounds };
}

async function measureOnce(options: IdleOptions): Promise<IdleRound> {
  let platform: Platform | undefined;
  const loadAverages: number[] = [];
  try {
    platform = await preparePlatform();
    const up = await platform.fusion(['up', '--detach']);
    if (up.code !== 0) {
      const why = (up.stderr || up.stdout).trim().split('\n').slice(-3).join(' | ');
      return failed(`fusion up failed (${up.code}): ${why}`, up.ms, loadAverages);
    }
    await sleep(options.settleSeconds * 1000);
    const supervisor = platform.supervisorPid();
    if (!supervisor) return failed('no supervisor pid in the state file', up.ms, loadAverages);
    const names = new Map<number, string>([[supervisor, SUPERVISOR]]);
    for (const c of platform.components()) if (c.pid) names.set(c.pid, c.name);

    const began = performance.now();
    const first = snapshot(supervisor, names);
    const rss = new Map<string, number[]>();
    const record = (snap: Snapshot) => {
      for (const [name, figures] of snap) {
        const list = rss.get(name) ?? [];
        list.push(figures.rssBytes);
        rss.set(name, list);
      }
    };
    record(first);
    for (let s = 0; s < options.seconds; s += 1) {
      await sleep(1000);
      record(snapshot(supervisor, names));
      if (s % 5 === 0) loadAverages.push(loadavg()[0] ?? 0);
    }
    const last = snapshot(supervisor, names);
    const windowSeconds = (performance.now() - began) / 1000;
    const figures: ProcessFigures[] = [...last].map(([name, end]) => {
      const samples = rss.get(name) ?? [end.rssBytes];
      return {
        name,
        processes: end.processes,
        cpuSeconds: end.cpuSeconds - (first.get(name)?.cpuSeconds ?? end.cpuSeconds),
        meanRssBytes: samples.reduce((a, b) => a + b, 0) / samples.length,
        maxRssBytes: Math.max(...samples),
      };
    });
    return { ok: true, upMs: up.ms, windowSeconds, figures, loadAverages };
  } catch (error) {
    return failed((error as Error).message, 0, loadAverages);
  } finally {
    await platform?.cleanup();
  }
}

function failed(error: string, upMs: number, loadAverages: number[]): IdleRound {
  return { ok: false, error, upMs, windowSeconds: 0, figures: [], loadAverages };
}

type Snapshot = Map<string, { processes: number; cpuSeconds: number; rssBytes: number }>;

/**
 * Every process descending from `root`, grouped under the nearest ancestor named in `names`
 * (the supervisor's own pid or a component's).
 */
function snapshot(root: number, names: ReadonlyMap<number, string>): Snapshot {
  const stats = new Map<number, { ppid: number; cpuSeconds: number; rssBytes: number }>();
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid)) continue;
    const stat = readStat(pid);
    if (stat) stats.set(pid, stat);
  }
  const owner = (pid: number): string | undefined => {
    for (let p: number | undefined = pid; p !== undefined && p > 1; p = stats.get(p)?.ppid) {
      const name = names.get(p);
      if (name !== undefined) return name;
      if (p === root) return SUPERVISOR;
    }
    return undefined;
  };
  const result: Snapshot = new Map();
  for (const [pid, stat] of stats) {
    const name = owner(pid);
    if (name === undefined) continue;
    const figures = result.get(name) ?? { processes: 0, cpuSeconds: 0, rssBytes: 0 };
    figures.processes += 1;
    figures.cpuSeconds += stat.cpuSeconds;
    figures.rssBytes += stat.rssBytes;
    result.set(name, figures);
  }
  return result;
}

function readStat(pid: number): { ppid: number; cpuSeconds: number; rssBytes: number } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may contain spaces) start after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return {
      ppid: Number(fields[1]),
      cpuSeconds: (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND,
      rssBytes: Number(fields[21]) * PAGE_BYTES,
    };
  } catch {
    return undefined; // Exited between the listing and the read.
  }
}

/** All processes of a round together. */
export function sum(figures: readonly ProcessFigures[]): ProcessFigures {
  return figures.reduce<ProcessFigures>(
    (acc, f) => ({
      name: 'all',
      processes: acc.processes + f.processes,
      cpuSeconds: acc.cpuSeconds + f.cpuSeconds,
      meanRssBytes: acc.meanRssBytes + f.meanRssBytes,
      maxRssBytes: acc.maxRssBytes + f.maxRssBytes,
    }),
    { name: 'all', processes: 0, cpuSeconds: 0, meanRssBytes: 0, maxRssBytes: 0 },
  );
}
