/**
 * The pair scenario's samples summed per path, rate and kind: merged latency histograms, CPU
 * per 1,000 requests and peak RSS of each proxy, wrk's ceilings averaged over rounds; with
 * `--policy`, what the policy costs each proxy in CPU.
 */
import { type LoadSummary, mergeLoads, summarizeLoad } from '../load/index.ts';
import type { PairRun, PathName, ProxyRole, Sample } from './pair.ts';
import { type PolicyCost, policyCost } from './pair-policy-cost.ts';

export const PATHS: readonly PathName[] = [
  'direct',
  'haproxy',
  'fusion',
  'fusion+policy',
  'fusion+policy:off',
  'fusion+access',
  'fusion+access:off',
];
export const ROLES: readonly ProxyRole[] = ['client side', 'server side'];
export const LABEL: Record<PathName, string> = {
  direct: 'direct',
  haproxy: 'HAProxy pair',
  fusion: 'fusion pair',
  'fusion+policy': 'fusion pair + policy',
  'fusion+policy:off': 'the same pair, policy off',
  'fusion+access': 'fusion pair + access control',
  'fusion+access:off': 'the same pair, access control off',
};
/** The rate the goals are stated at. */
export const GOAL_RATE = 1000;
export const MB = 1e6;

export interface Aggregate {
  readonly load: LoadSummary | undefined;
  readonly requests: number;
  /** CPU seconds per 1,000 2xx responses, per proxy. */
  readonly cpuPer1k: Partial<Record<ProxyRole, number>>;
  readonly peakRssBytes: Partial<Record<ProxyRole, number>>;
  readonly upstreamCpuPer1k: number;
  readonly generatorCpuPer1k: number;
  /** wrk rounds: requests per second, averaged. */
  readonly wrkRps?: number;
  readonly wrkP50Ms?: number;
  readonly wrkP99Ms?: number;
}

function aggregate(samples: readonly Sample[]): Aggregate | undefined {
  if (samples.length === 0) return undefined;
  const loads = samples.flatMap((s) => (s.load ? [s.load] : []));
  const requests = samples.reduce((n, s) => n + s.requests, 0);
  const per1k = (seconds: number) => (requests > 0 ? (1000 * seconds) / requests : Number.NaN);
  const sum = (pick: (s: Sample) => number | undefined) =>
    samples.reduce((n, s) => n + (pick(s) ?? 0), 0);
  const cpuPer1k: Partial<Record<ProxyRole, number>> = {};
  const peakRssBytes: Partial<Record<ProxyRole, number>> = {};
  for (const role of ROLES) {
    if (samples[0]!.proxyCpuSeconds[role] === undefined) continue;
    cpuPer1k[role] = per1k(sum((s) => s.proxyCpuSeconds[role]));
    peakRssBytes[role] = Math.max(...samples.map((s) => s.proxyPeakRssBytes[role] ?? 0));
  }
  const wrks = samples.flatMap((s) => (s.wrk ? [s.wrk] : []));
  const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
  return {
    load: loads.length ? summarizeLoad(mergeLoads(loads)) : undefined,
    requests,
    cpuPer1k,
    peakRssBytes,
    upstreamCpuPer1k: per1k(sum((s) => s.upstreamCpuSeconds)),
    generatorCpuPer1k: per1k(sum((s) => s.generatorCpuSeconds)),
    ...(wrks.length
      ? {
          wrkRps: mean(wrks.map((w) => w.requestsPerSecond)),
          wrkP50Ms: mean(wrks.map((w) => w.p50Ms)),
          wrkP99Ms: mean(wrks.map((w) => w.p99Ms)),
        }
      : {}),
  };
}

export interface PairFigures {
  readonly atRate: Record<string, Partial<Record<PathName, Aggregate>>>;
  readonly max: Partial<Record<PathName, Aggregate>>;
  readonly wrk: Partial<Record<PathName, Aggregate>>;
  /** With `--policy`: fusion+policy / fusion+policy:off, worst proxy, per rate and at `max`. */
  readonly policyCost?: Record<string, PolicyCost | undefined>;
  /** With `--policy`: fusion+access / fusion+access:off, the same way. */
  readonly accessCost?: Record<string, PolicyCost | undefined>;
}

export function pairFigures(run: PairRun): PairFigures {
  const pick = (path: PathName, kind: Sample['kind'], rate?: number) =>
    aggregate(
      run.samples.filter(
        (s) => s.path === path && s.kind === kind && (rate === undefined || s.rate === rate),
      ),
    );
  const byPath = (kind: Sample['kind'], rate?: number) => {
    const out: Partial<Record<PathName, Aggregate>> = {};
    for (const path of PATHS) {
      const a = pick(path, kind, rate);
      if (a) out[path] = a;
    }
    return out;
  };
  const atRate = Object.fromEntries(run.options.rates.map((r) => [String(r), byPath('rate', r)]));
  const max = byPath('max');
  const costOf = (path: 'fusion+policy' | 'fusion+access') => {
    const cost = (at: Partial<Record<PathName, Aggregate>> | undefined) =>
      policyCost(ROLES, at?.[`${path}:off`], at?.[path]);
    return {
      ...Object.fromEntries(run.options.rates.map((r) => [String(r), cost(atRate[r])])),
      max: cost(max),
    };
  };
  return {
    atRate,
    max,
    wrk: byPath('wrk'),
    ...(run.options.policy
      ? { policyCost: costOf('fusion+policy'), accessCost: costOf('fusion+access') }
      : {}),
  };
}
