/**
 * `chain`: the real platform under `fusion up`, `GET /v1/whoami` through the gateway at fixed
 * rates — gateway → ai-kernel → identity, every hop through the sidecars:
 *
 *   mesh    client ─▶ gateway-proxy ─▶ api-gateway ─▶ gateway-proxy ══ mTLS ══▶ ai-kernel-proxy
 *                     ─▶ ai-kernel ─▶ ai-kernel-proxy ══ mTLS ══▶ identity-proxy ─▶ identity
 *   direct  client ─▶ api-gateway ─▶ ai-kernel ─▶ identity          (the same apps, no proxies)
 *
 * The platform cannot run unmeshed, so "direct" starts the three apps alone, calling each other
 * through FUSION_MESH_ENDPOINTS. Both run at once and the measurements alternate between them
 * (rotated per rate and round), so a busy neighbour lands on both. Each process's CPU comes from
 * /proc before and after every measurement.
 */
import { loadavg } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { createDatabase } from '../fixtures/database.ts';
import { startDirectChain } from '../fixtures/direct-chain.ts';
import { type Platform, preparePlatform } from '../fixtures/platform.ts';
import { type Http1Client, http1Client, type LoadResult, openLoop } from '../load/index.ts';
import { cpuSeconds } from '../proc.ts';

export type ChainPath = 'direct' | 'mesh';
export const PATHS: readonly ChainPath[] = ['direct', 'mesh'];
export const APPS = ['api-gateway', 'ai-kernel', 'identity'] as const;
export const SIDECARS = APPS.map((app) => `${app}-proxy`);
const WHOAMI = '/v1/whoami';
export const SUPERVISOR = 'fusion supervisor';

export interface ChainOptions {
  readonly seconds: number;
  readonly rates: readonly number[];
  readonly rounds: number;
  readonly connections: number;
  readonly warmupSeconds: number;
}

export interface ChainSample {
  readonly path: ChainPath;
  readonly round: number;
  readonly rate: number;
  readonly load: LoadResult;
  /** CPU seconds during the measurement, per process (apps; for mesh, the sidecars too). */
  readonly cpuSeconds: Readonly<Record<string, number>>;
  readonly loadAverage: number;
}

export interface ChainRun {
  readonly options: ChainOptions;
  readonly samples: readonly ChainSample[];
  /** Paths that could not carry a request, and why. */
  readonly broken: Readonly<Partial<Record<ChainPath, string>>>;
  /** `fusion up --detach`, wall time. */
  readonly upMs?: number;
  readonly portBase?: number;
  /** One whoami answer through the mesh: which identity each hop saw. */
  readonly meshAnswer?: unknown;
}

interface PathUnderTest {
  readonly name: ChainPath;
  readonly origin: string;
  readonly client: Http1Client;
  /** Process name → pid, for CPU. */
  readonly pids: Readonly<Record<string, number>>;
}

export async function runChain(options: ChainOptions): Promise<ChainRun> {
  const broken: Partial<Record<ChainPath, string>> = {};
  const stops: (() => Promise<void> | void)[] = [];
  const database = createDatabase();
  stops.push(() => database.drop());
  let platform: Platform | undefined;
  let upMs: number | undefined;
  let meshAnswer: unknown;
  try {
    const paths: PathUnderTest[] = [];
    const endpoint = (port: number) => ({
      origin: `http://127.0.0.1:${port}`,
      client: http1Client({
        origin: `http://127.0.0.1:${port}`,
        connections: options.connections,
        path: WHOAMI,
      }),
    });

    // The same database for both: whoami does not touch it, but identity migrates it at start.
    platform = await preparePlatform({ env: { DATABASE_URL: database.url } });
    const running = platform;
    stops.push(() => running.cleanup());
    console.error(`  fusion up --detach (ports moved to ${platform.base}+) …`);
    // The direct apps start meanwhile: they need no platform, and the wait is long enough.
    const directStarting = startDirectChain(database.url).catch((error: Error) => {
      broken.direct = `did not start: ${error.message}`;
      console.error(`bench chain: the direct chain ${broken.direct}`);
      return undefined;
    });
    const up = await platform.fusion(['up', '--detach']);
    upMs = up.ms;
    if (up.code !== 0) {
      broken.mesh = `fusion up failed (${up.code}): ${(up.stderr || up.stdout).trim().split('\n').slice(-5).join(' | ')}`;
      console.error(`bench chain: ${broken.mesh}`);
    } else {
      const pids = Object.fromEntries(
        platform
          .components()
          .filter((c) => c.pid && [...APPS, ...SIDECARS].includes(c.name))
          .map((c) => [c.name, c.pid!]),
      );
      // It reads every line the apps log (one per request at info) into the log files.
      const supervisor = platform.supervisorPid();
      if (supervisor) pids[SUPERVISOR] = supervisor;
      paths.push({ name: 'mesh', ...endpoint(platform.ports['api-gateway']!), pids });
    }

    const direct = await directStarting;
    if (direct) {
      stops.push(() => direct.stop());
      paths.push({
        name: 'direct',
        ...endpoint(direct.port),
        pids: Object.fromEntries(Object.entries(direct.apps).map(([name, c]) => [name, c.pid])),
      });
    }
    stops.push(async () => {
      await Promise.all(paths.map((p) => p.client.close()));
    });

    const usable: PathUnderTest[] = [];
    for (const path of paths) {
      const answer = await probe(path);
      if (typeof answer === 'string') {
        broken[path.name] = answer;
        console.error(`bench chain: the ${path.name} path cannot carry traffic: ${answer}`);
        continue;
      }
      if (path.name === 'mesh') meshAnswer = answer;
      usable.push(path);
    }
    usable.sort((a, b) => PATHS.indexOf(a.name) - PATHS.indexOf(b.name));

    for (const path of usable) {
      await openLoop(path.client.send, {
        rate: options.rates[0] ?? 100,
        seconds: options.warmupSeconds,
      });
    }
    const samples: ChainSample[] = [];
    for (let round = 0; round < options.rounds; round += 1) {
      for (const [i, rate] of options.rates.entries()) {
        for (const path of rotate(usable, round + i)) {
          const before = Object.fromEntries(
            Object.entries(path.pids).map(([name, pid]) => [name, cpuSeconds(pid)]),
          );
          const load = await openLoop(path.client.send, { rate, seconds: options.seconds });
          const cpu = Object.fromEntries(
            Object.entries(path.pids).map(([name, pid]) => [name, cpuSeconds(pid) - before[name]!]),
          );
          samples.push({
            path: path.name,
            round,
            rate,
            load,
            cpuSeconds: cpu,
            loadAverage: loadavg()[0] ?? 0,
          });
          const failed = load.errors + load.non2xx;
          console.error(
            `  round ${round + 1} · ${`${rate} rps`.padEnd(8)} · ${path.name.padEnd(6)} · ${load.ok} ok${failed ? `, ${failed} failed` : ''}`,
          );
          await sleep(300);
        }
      }
    }
    for (const path of usable) {
      if (!samples.some((s) => s.path === path.name && s.load.ok > 0)) {
        broken[path.name] = 'no request succeeded in any measurement';
      }
    }
    return {
      options,
      samples,
      broken,
      ...(upMs !== undefined ? { upMs } : {}),
      portBase: platform.base,
      ...(meshAnswer !== undefined ? { meshAnswer } : {}),
    };
  } finally {
    for (const stop of stops.reverse()) {
      try {
        await stop();
      } catch (error) {
        console.error(`bench chain: clean-up: ${(error as Error).message}`);
      }
    }
  }
}

/** The whoami answer, or why the path cannot carry it (all three hops must have answered). */
async function probe(path: PathUnderTest): Promise<unknown> {
  let last = 'no attempt';
  for (let attempt = 0; attempt < 20; attempt += 1) {
    try {
      const response = await fetch(`${path.origin}${WHOAMI}`, {
        signal: AbortSignal.timeout(5_000),
      });
      const body = (await response.json()) as { next?: { next?: { service?: string } } };
      if (response.status === 200 && body.next?.next?.service === 'identity') return body;
      last = `HTTP ${response.status}: ${JSON.stringify(body).slice(0, 200)}`;
    } catch (error) {
      last = (error as Error).message;
    }
    await sleep(250);
  }
  return last;
}

function rotate<T>(items: readonly T[], by: number): T[] {
  const k = items.length ? by % items.length : 0;
  return [...items.slice(k), ...items.slice(0, k)];
}
