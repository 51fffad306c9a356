/**
 * `pair`: what a sidecar pair costs a request, Istio's way — 1 KiB responses, fixed request
 * rates, 16 connections, mTLS between the proxies — on three paths measured in the same run and
 * interleaved (each round visits the paths in a rotated order, so a noisy neighbour on this
 * shared machine lands on all of them rather than on one):
 *
 *   direct   client ─────────────────────────────────────────────▶ upstream
 *   haproxy  client ─▶ haproxy ══ mTLS, HTTP/1.1 ══▶ haproxy ─────▶ upstream
 *   fusion   client ─▶ fusion-proxy A ══ mTLS, HTTP/2 ══▶ fusion-proxy B ─▶ upstream
 *
 * With `policy`, two more pairs on the destination service (fixtures/pair-policy.ts):
 * `fusion+policy`, whose client side enforces a retry + timeout + circuit-breaker policy, and
 * `fusion+access`, whose server side enforces an authorization policy and a rate limit and keeps
 * the audit log. Each is measured twice per round on the same processes: with its policy in
 * force, and (`…:off`) with fusion.yaml's blocks removed, switched live and checked in /config
 * before each measurement, so that a cost is the policy's alone, not another process's.
 *
 * Fixed rates run open loop (latency from each request's due time); then each path's maximum
 * throughput, closed loop, with our generator and (if installed) wrk. Each proxy's CPU comes from
 * /proc/<pid>/stat before and after every measurement, its peak RSS from VmHWM (reset before
 * each measurement where the kernel allows).
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startControlPlane } from '../fixtures/control-plane.ts';
import { type PairServices, startFusionPair, UPSTREAM_SERVICE } from '../fixtures/fusion-pair.ts';
import { startHaproxyPair } from '../fixtures/haproxy.ts';
import {
  ACCESS_SERVICES,
  accessNotInForce,
  type PolicyKind,
  pairPolicyConfig,
  policyNotInForce,
} from '../fixtures/pair-policy.ts';
import type { Child } from '../fixtures/processes.ts';
import { bundledProgram, type Program, type ProgramSource } from '../fixtures/program.ts';
import { startUpstream } from '../fixtures/upstream.ts';
import {
  closedLoop,
  type Http1Client,
  http1Client,
  type LoadResult,
  openLoop,
  runWrk,
  type WrkResult,
  wrkVersion,
} from '../load/index.ts';
import { contextSwitches, cpuSeconds, memory, resetPeakRss } from '../proc.ts';
import { type ProfileSummary, topSelfTime } from '../profile.ts';

export type PathName =
  | 'direct'
  | 'haproxy'
  | 'fusion'
  | 'fusion+policy'
  | 'fusion+policy:off'
  | 'fusion+access'
  | 'fusion+access:off';
export type ProxyRole = 'client side' | 'server side';

export interface PairOptions {
  /** Seconds per fixed-rate measurement. */
  readonly seconds: number;
  readonly rates: readonly number[];
  /** Times every measurement is repeated (interleaved); figures are over all rounds. */
  readonly rounds: number;
  readonly connections: number;
  /** Seconds per closed-loop (max throughput) measurement. */
  readonly throughputSeconds: number;
  /** Unrecorded load on every path before the first measurement (JIT, connections). */
  readonly warmupSeconds: number;
  /** Cross-check the closed-loop ceiling with wrk, when it is installed. */
  readonly wrk: boolean;
  /** Which fusion-proxy and control-plane programs to run (default: bundles of HEAD). */
  readonly programSource: ProgramSource;
  /** Write CPU profiles of the fusion proxies here, and rank their functions. */
  readonly profileDir?: string;
  /**
   * Also measure `fusion+policy` (a resilience policy) and `fusion+access` (access control),
   * each with its policy in force and, on the same processes, without (`…:off`).
   */
  readonly policy?: boolean;
  /** With `policy`: what the client side's policy holds (fixtures/pair-policy.ts). */
  readonly policyKind?: PolicyKind;
}

/** One measurement of one path. */
export interface Sample {
  readonly path: PathName;
  readonly round: number;
  readonly kind: 'rate' | 'max' | 'wrk';
  readonly rate?: number;
  readonly load?: LoadResult;
  readonly wrk?: WrkResult;
  /** 2xx responses. */
  readonly requests: number;
  readonly proxyCpuSeconds: Partial<Record<ProxyRole, number>>;
  readonly proxyPeakRssBytes: Partial<Record<ProxyRole, number>>;
  readonly upstreamCpuSeconds: number;
  /** This process's CPU (the Node generator; wrk's own is not counted). */
  readonly generatorCpuSeconds: number;
  /** The machine's 1-minute load average at the end: how busy the shared machine was. */
  readonly loadAverage: number;
}

export interface PairRun {
  readonly options: PairOptions;
  readonly samples: readonly Sample[];
  /** Paths that could not carry a single request, and why. */
  readonly broken: Readonly<Partial<Record<PathName, string>>>;
  readonly versions: Readonly<Record<string, string>>;
  /** RSS of each proxy after start, before any load. */
  readonly idleRssBytes: Readonly<Partial<Record<PathName, Partial<Record<ProxyRole, number>>>>>;
  /** Whether VmHWM could be reset per measurement (else it is the peak since start). */
  readonly peakRssPerMeasurement: boolean;
  readonly profiles: readonly {
    file: string;
    path: PathName;
    role: ProxyRole;
    summary: ProfileSummary;
  }[];
}

interface PathUnderTest {
  readonly name: PathName;
  readonly port: number;
  readonly host?: string;
  readonly proxies: readonly { role: ProxyRole; child: Child }[];
  readonly client: Http1Client;
  /** Why the path is not what it claims to be, checked after the probe; undefined when it is. */
  readonly check?: () => Promise<string | undefined>;
  /** Puts the path in its state before each measurement (the policy on or off). */
  readonly prepare?: () => Promise<void>;
}

export async function runPair(options: PairOptions): Promise<PairRun> {
  const dir = mkdtempSync(join(tmpdir(), 'fusion-bench-pair-'));
  const stops: (() => Promise<void>)[] = [];
  // Removed last: the profiles' source maps are inside the proxy's.
  const programs: Program[] = [];
  try {
    const upstream = await startUpstream();
    stops.push(() => upstream.child.stop());
    // Not under test (it issues the proxies' certificates at start): an earlier commit will do.
    const controlPlaneProgram = await bundledProgram(
      '@fusion/control-plane/main',
      options.programSource,
      20,
    );
    programs.push(controlPlaneProgram);
    const program = await bundledProgram('@fusion/proxy/main', options.programSource);
    programs.push(program);
    // With --policy it also pushes the policy to the second fusion pair; the first ignores it.
    const controlPlane = await startControlPlane({
      program: controlPlaneProgram,
      ...(options.policy
        ? { destination: true, config: pairPolicyConfig(true, options.policyKind) }
        : {}),
    });
    stops.push(() => controlPlane.stop());
    const broken: Partial<Record<PathName, string>> = {};
    // A pair that cannot start is a broken path, reported with the rest of the figures.
    const haproxy = await startHaproxyPair(controlPlane.pki, dir, upstream.port).catch(
      (error: Error) => {
        broken.haproxy = `did not start: ${error.message}`;
        console.error(`bench pair: the HAProxy pair ${broken.haproxy}`);
        return undefined;
      },
    );
    if (haproxy) stops.push(() => haproxy.stop());
    if (options.profileDir) mkdirSync(options.profileDir, { recursive: true });
    const runProfileDir = options.profileDir
      ? join(options.profileDir, `pair-${new Date().toISOString().replace(/[:.]/g, '-')}`)
      : undefined;
    const fusionPair = (name: 'fusion' | 'fusion+policy' | 'fusion+access') => {
      const extra = name === 'fusion' ? undefined : name.slice('fusion+'.length);
      const profileDir = runProfileDir && (extra ? join(runProfileDir, extra) : runProfileDir);
      return startFusionPair({
        controlPlane,
        dir,
        upstreamPort: upstream.port,
        program,
        ...(name === 'fusion+policy' && { destination: true, label: 'with policy' }),
        ...(name === 'fusion+access' && {
          destination: true,
          label: 'with access control',
          services: ACCESS_SERVICES,
          serverEnv: {
            FUSION_PROXY_AUDIT_LOG: join(dir, 'audit', `${ACCESS_SERVICES.upstream}.log`),
          },
        }),
        ...(profileDir ? { profileDir } : {}),
      }).catch((error: Error) => {
        broken[name] = `did not start: ${error.message}`;
        console.error(`bench pair: the ${name} pair ${broken[name]}`);
        return undefined;
      });
    };
    const fusion = await fusionPair('fusion');
    // Stopped first (stops run in reverse), so that their profiles are written before the rest.
    if (fusion) stops.push(() => fusion.stop());
    const withPolicy = options.policy ? await fusionPair('fusion+policy') : undefined;
    if (withPolicy) stops.push(() => withPolicy.stop());
    const withAccess = options.policy ? await fusionPair('fusion+access') : undefined;
    if (withAccess) stops.push(() => withAccess.stop());

    const client = (port: number, host?: string) =>
      http1Client({
        origin: `http://127.0.0.1:${port}`,
        connections: options.connections,
        ...(host ? { host } : {}),
      });
    const pairPath = (
      name: PathName,
      pair: { port: number; clientSide: Child; serverSide: Child; services?: PairServices },
    ): PathUnderTest => ({
      name,
      port: pair.port,
      host: pair.services?.upstream ?? UPSTREAM_SERVICE,
      proxies: [
        { role: 'client side', child: pair.clientSide },
        { role: 'server side', child: pair.serverSide },
      ],
      client: client(pair.port, pair.services?.upstream ?? UPSTREAM_SERVICE),
    });
    // One fusion.yaml for both pairs: switched live, each switch checked in both pairs' /config
    // and followed by a second of unmeasured load, so the new route tables are warm.
    let policiesOn = true;
    const policies = {
      set: async (on: boolean) => {
        if (on === policiesOn) return;
        controlPlane.setConfig(pairPolicyConfig(on, options.policyKind));
        const problems = await Promise.all([
          withPolicy && policyNotInForce(withPolicy.clientAdminPort, on, options.policyKind),
          withAccess && accessNotInForce(withAccess.serverAdminPort, on),
        ]);
        const problem = problems.find((p) => p);
        if (problem) throw new Error(`switching the policies ${on ? 'on' : 'off'}: ${problem}`);
        policiesOn = on;
        for (const pair of [withPolicy, withAccess]) {
          if (!pair) continue;
          const warm = client(pair.port, pair.services.upstream);
          await openLoop(warm.send, { rate: 500, seconds: 1 });
          await warm.close();
        }
      },
    };
    const candidates: PathUnderTest[] = [
      { name: 'direct', port: upstream.port, proxies: [], client: client(upstream.port) },
      ...(haproxy ? [pairPath('haproxy', haproxy)] : []),
      ...(fusion ? [pairPath('fusion', fusion)] : []),
      ...(withPolicy
        ? [
            {
              ...pairPath('fusion+policy', withPolicy),
              check: () => policyProblem(withPolicy.clientAdminPort, options.policyKind),
              prepare: () => policies.set(true),
            },
            { ...pairPath('fusion+policy:off', withPolicy), prepare: () => policies.set(false) },
          ]
        : []),
      ...(withAccess
        ? [
            {
              ...pairPath('fusion+access', withAccess),
              check: () => accessNotInForce(withAccess.serverAdminPort),
              prepare: () => policies.set(true),
            },
            { ...pairPath('fusion+access:off', withAccess), prepare: () => policies.set(false) },
          ]
        : []),
    ];
    stops.push(async () => {
      await Promise.all(candidates.map((p) => p.client.close()));
    });

    const paths: PathUnderTest[] = [];
    for (const path of candidates) {
      // The probe is also the path's first request: a fusion proxy builds its routes then.
      const problem = (await probe(path.client)) ?? (await path.check?.());
      if (problem) {
        broken[path.name] = problem;
        console.error(`bench pair: the ${path.name} path cannot carry traffic: ${problem}`);
      } else {
        paths.push(path);
      }
    }

    const idleRssBytes: Partial<Record<PathName, Partial<Record<ProxyRole, number>>>> = {};
    for (const path of paths) {
      if (path.proxies.length === 0) continue;
      idleRssBytes[path.name] = Object.fromEntries(
        path.proxies.map((p) => [p.role, memory(p.child.pid).rssBytes]),
      );
    }
    const peakRssPerMeasurement = paths
      .flatMap((p) => p.proxies)
      .every((p) => resetPeakRss(p.child.pid));
    const samples: Sample[] = [];
    const nameWidth = Math.max(7, ...paths.map((p) => p.name.length));
    const measure = async (
      path: PathUnderTest,
      round: number,
      kind: Sample['kind'],
      run: () => Promise<{ load?: LoadResult; wrk?: WrkResult; requests: number }>,
      rate?: number,
    ) => {
      await path.prepare?.();
      for (const p of path.proxies) resetPeakRss(p.child.pid);
      const cpuBefore = path.proxies.map((p) => cpuSeconds(p.child.pid));
      const switchesBefore = path.proxies.map((p) => contextSwitches(p.child.pid).voluntary);
      const upstreamBefore = cpuSeconds(upstream.child.pid);
      const generatorBefore = process.cpuUsage();
      const outcome = await run();
      const generator = process.cpuUsage(generatorBefore);
      const sample: Sample = {
        path: path.name,
        round,
        kind,
        ...(rate !== undefined ? { rate } : {}),
        ...outcome,
        proxyCpuSeconds: Object.fromEntries(
          path.proxies.map((p, i) => [p.role, cpuSeconds(p.child.pid) - cpuBefore[i]!]),
        ),
        proxyPeakRssBytes: Object.fromEntries(
          path.proxies.map((p) => [p.role, memory(p.child.pid).peakRssBytes]),
        ),
        upstreamCpuSeconds: cpuSeconds(upstream.child.pid) - upstreamBefore,
        generatorCpuSeconds: (generator.user + generator.system) / 1e6,
        loadAverage: loadavg()[0] ?? 0,
      };
      samples.push(sample);
      const errors = outcome.load ? outcome.load.errors + outcome.load.non2xx : 0;
      // Wake-ups per request, each proxy: what CPU per request cannot show by itself.
      const wakeups = path.proxies
        .map(
          (p, i) =>
            (contextSwitches(p.child.pid).voluntary - switchesBefore[i]!) /
            Math.max(1, outcome.requests),
        )
        .map((w) => w.toFixed(2))
        .join('/');
      const what = kind === 'rate' ? `${rate} rps` : kind === 'max' ? 'max (node)' : 'max (wrk)';
      console.error(
        `  round ${round + 1} · ${what.padEnd(10)} · ${path.name.padEnd(nameWidth)} · ${outcome.requests} ok${errors ? `, ${errors} failed` : ''}${wakeups ? ` · ${wakeups} wake-ups per request` : ''}`,
      );
      // Let queues and timers settle before the next path is measured.
      await sleep(300);
    };

    for (const path of paths) {
      await openLoop(path.client.send, { rate: 1000, seconds: options.warmupSeconds });
    }
    const useWrk = options.wrk && wrkVersion() !== undefined;
    for (let round = 0; round < options.rounds; round += 1) {
      for (const [i, rate] of options.rates.entries()) {
        for (const path of rotate(paths, round + i)) {
          await measure(
            path,
            round,
            'rate',
            async () => {
              const load = await openLoop(path.client.send, { rate, seconds: options.seconds });
              return { load, requests: load.ok };
            },
            rate,
          );
        }
      }
      for (const path of rotate(paths, round)) {
        await measure(path, round, 'max', async () => {
          const load = await closedLoop(path.client.send, {
            concurrency: options.connections,
            seconds: options.throughputSeconds,
          });
          return { load, requests: load.ok };
        });
        if (useWrk) {
          await measure(path, round, 'wrk', async () => {
            const wrk = await runWrk({
              url: `http://127.0.0.1:${path.port}/`,
              connections: options.connections,
              seconds: options.throughputSeconds,
              ...(path.host ? { host: path.host } : {}),
            });
            return { wrk, requests: wrk.requests - wrk.non2xx };
          });
        }
      }
    }

    for (const path of paths) {
      if (!samples.some((s) => s.path === path.name && s.requests > 0)) {
        broken[path.name] = 'no request succeeded in any measurement';
      }
    }
    const versions: Record<string, string> = {
      'fusion-proxy': program.from,
      'control plane': controlPlaneProgram.from,
    };
    if (haproxy) versions.haproxy = haproxy.version;
    const wrk = wrkVersion();
    if (useWrk && wrk) versions.wrk = wrk;
    // Stop everything now, so that the proxies write their profiles.
    for (const stop of stops.reverse().splice(0)) await stop();
    const profiles = runProfileDir
      ? [
          { path: 'fusion' as const, pair: fusion, dir: runProfileDir },
          { path: 'fusion+policy' as const, pair: withPolicy, dir: join(runProfileDir, 'policy') },
          { path: 'fusion+access' as const, pair: withAccess, dir: join(runProfileDir, 'access') },
        ].flatMap(({ path, pair, dir }) => (pair ? profilesOf(path, pair.services, dir) : []))
      : [];
    return {
      options,
      samples,
      broken,
      versions,
      idleRssBytes,
      peakRssPerMeasurement,
      profiles,
    };
  } finally {
    for (const stop of stops.reverse()) await stop().catch(() => {});
    for (const p of programs) p.remove();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Why the path cannot carry a request, or undefined when one 1 KiB answer came back. */
async function probe(client: Http1Client): Promise<string | undefined> {
  let last = 'no attempt';
  // The proxies are ready, but the first request through a pair may still be connecting.
  for (let attempt = 0; attempt < 20; attempt += 1) {
    try {
      const { status, bytes } = await client.probe();
      if (status === 200 && bytes === 1024) return undefined;
      last = `HTTP ${status} with ${bytes} bytes`;
    } catch (error) {
      last = (error as Error).message;
    }
    await sleep(250);
  }
  return last;
}

/** Why the client-side proxy (admin on `adminPort`) does not enforce the policy, if it does not. */
async function policyProblem(
  adminPort: number,
  kind: PolicyKind | undefined,
): Promise<string | undefined> {
  const problem = await policyNotInForce(adminPort, true, kind);
  return problem && `the policy is not in force on the client-side proxy: ${problem}`;
}

function rotate<T>(items: readonly T[], by: number): T[] {
  const k = items.length ? by % items.length : 0;
  return [...items.slice(k), ...items.slice(0, k)];
}

/** Each proxy's main-thread profile and its top functions, from a pair's profile directory. */
function profilesOf(path: PathName, services: PairServices, dir: string): PairRun['profiles'] {
  return [
    { role: 'client side' as const, service: services.client },
    { role: 'server side' as const, service: services.upstream },
  ].flatMap(({ role, service }) => {
    const file = mainThreadProfile(join(dir, service));
    return file ? [{ file, path, role, summary: topSelfTime(file) }] : [];
  });
}

/** The main thread's profile: the biggest of the process's files (the loader worker's is small). */
function mainThreadProfile(dir: string): string | undefined {
  if (!existsSync(dir)) return undefined;
  return readdirSync(dir)
    .filter((f) => f.endsWith('.cpuprofile'))
    .map((f) => join(dir, f))
    .sort((a, b) => statSync(b).size - statSync(a).size)[0];
}
