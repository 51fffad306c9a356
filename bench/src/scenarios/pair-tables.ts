/**
 * The pair scenario's figures as tables: latency at each fixed rate with the latency each proxy
 * pair adds over the direct path, the closed-loop ceiling, each proxy's CPU per 1,000 requests
 * and peak RSS (with `--policy`, what the policy costs), and the goals, with the ratios
 * fusion/HAProxy and fusion/direct.
 */
import { loadNote, type Table } from '../report.ts';
import type { PairRun, PathName, ProxyRole } from './pair.ts';
import {
  type Aggregate,
  GOAL_RATE,
  LABEL,
  MB,
  PATHS,
  type PairFigures,
  pairFigures,
  ROLES,
} from './pair-figures.ts';
import { policyCostNotes, policyCostRows } from './pair-policy-cost.ts';

const ms = (v: number | undefined) => (v === undefined || Number.isNaN(v) ? '–' : v.toFixed(2));
const signed = (v: number | undefined) =>
  v === undefined || Number.isNaN(v) ? '–' : `${v >= 0 ? '+' : ''}${v.toFixed(2)}`;
const ratio = (a: number | undefined, b: number | undefined) =>
  a === undefined || b === undefined || !Number.isFinite(a / b) ? '–' : `${(a / b).toFixed(2)}×`;
const rps = (v: number | undefined) => (v === undefined || Number.isNaN(v) ? '–' : v.toFixed(0));
const cpu = (v: number | undefined) => (v === undefined || Number.isNaN(v) ? '–' : v.toFixed(3));
const mb = (v: number | undefined) => (v ? (v / MB).toFixed(1) : '–');

export function pairTables(run: PairRun, figures: PairFigures = pairFigures(run)): Table[] {
  const { options } = run;
  const tables: Table[] = [latencyTable(run, figures)];
  if (options.rounds > 1) tables.push(roundsTable(run));
  tables.push(throughputTable(figures));
  tables.push(resourceTable(run, figures), goalsTable(run, figures));
  for (const profile of run.profiles) {
    const { summary } = profile;
    // The plain pair's titles as they always were; the policy pair's say which it is.
    const which = profile.path === 'fusion' ? '' : ` (${profile.path})`;
    tables.push({
      title: `fusion-proxy ${profile.role}${which}: top functions by self time under load`,
      columns: ['#', 'function', 'where', 'self ms', '% of busy'],
      rows: summary.top.map((f, i) => [
        i + 1,
        `\`${f.functionName}\``,
        f.location || '(native)',
        f.selfMs.toFixed(0),
        f.percentOfBusy.toFixed(1),
      ]),
      notes: [
        `${profile.file}: ${(summary.totalMs / 1000).toFixed(1)} s profiled, ${((summary.totalMs - summary.idleMs) / 1000).toFixed(1)} s busy (start-up included).`,
      ],
    });
    tables.push({
      title: `fusion-proxy ${profile.role}${which}: self time by area`,
      columns: ['area', 'self ms', '% of busy'],
      rows: summary.areas.map((a) => [a.area, a.selfMs.toFixed(0), a.percentOfBusy.toFixed(1)]),
      notes: [
        '`(program)` is native code V8 cannot attribute (OpenSSL, nghttp2, llhttp, libuv); `native: writev` / `writeLatin1String` are socket writes, the kernel’s loopback TCP work included.',
      ],
    });
  }
  const notes = [
    `${options.rounds} round(s), interleaved: each round visits the paths in a rotated order; ${options.seconds} s per fixed-rate measurement, ${options.throughputSeconds} s per closed-loop one; figures are over all rounds.`,
    'The generator, both proxies of a pair and the upstream share this machine: 2 cores, also used by other engineers running tests. Compare paths within a run, not runs with each other.',
    loadNote(run.samples.map((s) => s.loadAverage)),
    `What ran: ${Object.entries(run.versions)
      .map(([what, version]) => `${what}: ${version}`)
      .join('; ')}.`,
  ];
  if (Object.keys(run.broken).length) {
    for (const [path, why] of Object.entries(run.broken)) {
      notes.push(`**${LABEL[path as PathName]} could not carry traffic**: ${why}`);
    }
  }
  tables[0] = { ...tables[0]!, notes: [...(tables[0]!.notes ?? []), ...notes] };
  return tables;
}

function failureNote(run: PairRun, figures: PairFigures): string[] {
  const notes: string[] = [];
  for (const rate of run.options.rates) {
    for (const path of PATHS) {
      const reasons = figures.atRate[String(rate)]?.[path]?.load?.errorReasons ?? {};
      const list = Object.entries(reasons).map(([why, n]) => `${n} × ${why}`);
      if (list.length) notes.push(`${LABEL[path]} at ${rate} rps failed: ${list.join('; ')}.`);
    }
  }
  return notes;
}

function latencyTable(run: PairRun, figures: PairFigures): Table {
  const rows: (string | number)[][] = [];
  for (const rate of run.options.rates) {
    const at = figures.atRate[String(rate)] ?? {};
    const direct = at.direct?.load?.latencyMs;
    for (const path of PATHS) {
      const load = at[path]?.load;
      if (!load) continue;
      const l = load.latencyMs;
      const added = (pick: (s: typeof l) => number) =>
        path === 'direct' || !direct ? '–' : signed(pick(l) - pick(direct));
      rows.push([
        rate,
        LABEL[path],
        load.ok,
        load.errors + load.non2xx,
        ms(l.p50),
        ms(l.p90),
        ms(l.p99),
        ms(l.p999),
        ms(l.max),
        added((s) => s.p50),
        added((s) => s.p90),
        added((s) => s.p99),
      ]);
    }
  }
  return {
    title: `Latency at fixed rates (open loop, ${run.options.connections} connections, 1 KiB responses, mTLS between the proxies)`,
    columns: [
      'rps',
      'path',
      'ok',
      'failed',
      'p50 ms',
      'p90 ms',
      'p99 ms',
      'p99.9 ms',
      'max ms',
      'added p50',
      'added p90',
      'added p99',
    ],
    rows,
    notes: [
      'Latency counts from each request’s scheduled send time (coordinated omission corrected), 2xx responses only; “failed” is transport errors plus non-2xx. “added” is the path’s percentile minus the direct path’s at the same rate.',
      ...failureNote(run, figures),
    ],
  };
}

/** The goal rate round by round: how much one round's figures differ from the next. */
function roundsTable(run: PairRun): Table {
  const at = goalRate(run);
  const rows: (string | number)[][] = [];
  for (let round = 0; round < run.options.rounds; round += 1) {
    const of = (path: PathName) =>
      run.samples.find(
        (s) => s.round === round && s.kind === 'rate' && s.rate === at && s.path === path,
      );
    const direct = of('direct')?.load?.latency.summary();
    for (const path of PATHS) {
      const sample = of(path);
      if (!sample?.load) continue;
      const l = sample.load.latency.summary();
      const added = (pick: 'p50' | 'p99') =>
        path === 'direct' || !direct ? '–' : signed(l[pick] - direct[pick]);
      rows.push([
        round + 1,
        sample.loadAverage.toFixed(1),
        LABEL[path],
        ms(l.p50),
        ms(l.p99),
        added('p50'),
        added('p99'),
      ]);
    }
  }
  return {
    title: `Round by round at ${at} rps`,
    columns: ['round', 'load avg', 'path', 'p50 ms', 'p99 ms', 'added p50', 'added p99'],
    rows,
  };
}

function throughputTable(figures: PairFigures): Table {
  const haproxy = figures.max.haproxy?.load?.throughput;
  const haproxyWrk = figures.wrk.haproxy?.wrkRps;
  const rows = PATHS.flatMap((path) => {
    const max = figures.max[path];
    if (!max?.load) return [];
    const wrk = figures.wrk[path];
    return [
      [
        LABEL[path],
        rps(max.load.throughput),
        ms(max.load.latencyMs.p50),
        ms(max.load.latencyMs.p99),
        max.load.errors + max.load.non2xx,
        ratio(max.load.throughput, haproxy),
        rps(wrk?.wrkRps),
        ms(wrk?.wrkP50Ms),
        ms(wrk?.wrkP99Ms),
        ratio(wrk?.wrkRps, haproxyWrk),
      ],
    ];
  });
  return {
    title: 'Maximum throughput (closed loop, 16 requests in flight)',
    columns: [
      'path',
      'rps (node generator)',
      'p50 ms',
      'p99 ms',
      'failed',
      '× HAProxy',
      'rps (wrk -t1 -c16)',
      'wrk p50 ms',
      'wrk p99 ms',
      '× HAProxy (wrk)',
    ],
    rows,
    notes: [
      'The node generator (undici Pool, in the benchmark process) needs a core of its own near the ceiling; wrk (C) needs much less, so its figures are closer to what the path itself can carry. Both share the 2 cores with the proxies and the upstream.',
    ],
  };
}

function goalRate(run: PairRun): number {
  return run.options.rates.includes(GOAL_RATE) ? GOAL_RATE : run.options.rates[0]!;
}

function resourceTable(run: PairRun, figures: PairFigures): Table {
  const at = goalRate(run);
  const rows: (string | number)[][] = [];
  const pairs: PathName[] = [
    'haproxy',
    'fusion',
    ...(run.options.policy
      ? (['fusion+policy', 'fusion+policy:off', 'fusion+access', 'fusion+access:off'] as const)
      : []),
  ];
  for (const path of pairs) {
    for (const role of ROLES) {
      const peakRun = Math.max(
        ...run.samples.filter((s) => s.path === path).map((s) => s.proxyPeakRssBytes[role] ?? 0),
      );
      rows.push([
        LABEL[path],
        role,
        ...run.options.rates.map((r) => cpu(figures.atRate[String(r)]?.[path]?.cpuPer1k[role])),
        cpu(figures.max[path]?.cpuPer1k[role]),
        mb(run.idleRssBytes[path]?.[role]),
        mb(figures.atRate[String(at)]?.[path]?.peakRssBytes[role]),
        mb(peakRun > 0 ? peakRun : undefined),
      ]);
    }
  }
  const upstreamRow = [
    'upstream app',
    'node:http',
    ...run.options.rates.map((r) => cpu(figures.atRate[String(r)]?.direct?.upstreamCpuPer1k)),
    cpu(figures.max.direct?.upstreamCpuPer1k),
    '–',
    '–',
    '–',
  ];
  return {
    title: 'Each proxy’s CPU seconds per 1,000 requests, and peak RSS',
    columns: [
      'path',
      'proxy',
      ...run.options.rates.map((r) => `CPU s/1k @${r} rps`),
      'CPU s/1k @max',
      'RSS MB idle',
      `peak RSS MB @${at} rps`,
      'peak RSS MB (whole run)',
    ],
    rows: [
      ...rows,
      ...policyCostRows(run, {
        ...(figures.policyCost && { policy: figures.policyCost }),
        ...(figures.accessCost && { access: figures.accessCost }),
      }),
      upstreamRow,
    ],
    notes: [
      ...policyCostNotes(run),
      'CPU: utime + stime from /proc/<pid>/stat before and after each measurement (10 ms ticks), over the 2xx responses of that measurement. The upstream row (direct path) is the app’s own cost, for scale.',
      run.peakRssPerMeasurement
        ? `Peak RSS: VmHWM from /proc/<pid>/status, reset (clear_refs 5) before each measurement; the @${at} rps column is the peak during the ${at} rps measurements. MB = 10⁶ bytes.`
        : 'Peak RSS: VmHWM from /proc/<pid>/status since the process started (this kernel did not allow a reset). MB = 10⁶ bytes.',
    ],
  };
}

function goalsTable(run: PairRun, figures: PairFigures): Table {
  const at = goalRate(run);
  const rate = figures.atRate[String(at)] ?? {};
  const lat = (path: PathName) => rate[path]?.load?.latencyMs;
  const added = (path: PathName, pick: 'p50' | 'p99') => {
    const own = lat(path)?.[pick];
    const direct = lat('direct')?.[pick];
    return own === undefined || direct === undefined ? undefined : own - direct;
  };
  const thr = (path: PathName) => figures.wrk[path]?.wrkRps ?? figures.max[path]?.load?.throughput;
  const thrSource = figures.wrk.fusion?.wrkRps !== undefined ? 'wrk' : 'node generator';
  const worst = (path: PathName, pick: (a: Aggregate) => Partial<Record<ProxyRole, number>>) => {
    const a = rate[path];
    if (!a) return undefined;
    const values = ROLES.map((r) => pick(a)[r]).filter((v): v is number => v !== undefined);
    return values.length ? Math.max(...values) : undefined;
  };
  const met = (ok: boolean | undefined) => (ok === undefined ? '–' : ok ? 'yes' : '**no**');
  const fusionP50 = added('fusion', 'p50');
  const fusionP99 = added('fusion', 'p99');
  const haproxyP50 = added('haproxy', 'p50');
  const haproxyP99 = added('haproxy', 'p99');
  const cpuFusion = worst('fusion', (a) => a.cpuPer1k);
  const rssFusion = worst('fusion', (a) => a.peakRssBytes);
  const both = (a?: number, b?: number) => a !== undefined && b !== undefined;
  return {
    title: `Fusion against HAProxy and direct, and the goals (latency, CPU and memory at ${at} rps)`,
    columns: [
      'measure',
      'fusion',
      'HAProxy',
      'direct',
      'fusion / HAProxy',
      'fusion / direct',
      'goal',
      'met',
    ],
    rows: [
      [
        'added p50 ms',
        signed(fusionP50),
        signed(haproxyP50),
        '–',
        ratio(fusionP50, haproxyP50),
        '–',
        '≤ HAProxy’s',
        met(both(fusionP50, haproxyP50) ? fusionP50! <= haproxyP50! : undefined),
      ],
      [
        'added p99 ms',
        signed(fusionP99),
        signed(haproxyP99),
        '–',
        ratio(fusionP99, haproxyP99),
        '–',
        '≤ HAProxy’s',
        met(both(fusionP99, haproxyP99) ? fusionP99! <= haproxyP99! : undefined),
      ],
      [
        'p50 ms (whole path)',
        ms(lat('fusion')?.p50),
        ms(lat('haproxy')?.p50),
        ms(lat('direct')?.p50),
        ratio(lat('fusion')?.p50, lat('haproxy')?.p50),
        ratio(lat('fusion')?.p50, lat('direct')?.p50),
        '',
        '',
      ],
      [
        'p99 ms (whole path)',
        ms(lat('fusion')?.p99),
        ms(lat('haproxy')?.p99),
        ms(lat('direct')?.p99),
        ratio(lat('fusion')?.p99, lat('haproxy')?.p99),
        ratio(lat('fusion')?.p99, lat('direct')?.p99),
        '',
        '',
      ],
      [
        `max throughput rps (${thrSource})`,
        rps(thr('fusion')),
        rps(thr('haproxy')),
        rps(thr('direct')),
        ratio(thr('fusion'), thr('haproxy')),
        ratio(thr('fusion'), thr('direct')),
        '≥ 0.7 × HAProxy’s',
        met(
          both(thr('fusion'), thr('haproxy')) ? thr('fusion')! >= 0.7 * thr('haproxy')! : undefined,
        ),
      ],
      ...ROLES.map((role) => [
        `CPU s per 1,000 requests, ${role} proxy`,
        cpu(rate.fusion?.cpuPer1k[role]),
        cpu(rate.haproxy?.cpuPer1k[role]),
        '–',
        ratio(rate.fusion?.cpuPer1k[role], rate.haproxy?.cpuPer1k[role]),
        '–',
        '< 0.2 per proxy',
        met(
          rate.fusion?.cpuPer1k[role] === undefined ? undefined : rate.fusion.cpuPer1k[role]! < 0.2,
        ),
      ]),
      ...ROLES.map((role) => [
        `peak RSS MB, ${role} proxy`,
        mb(rate.fusion?.peakRssBytes[role]),
        mb(rate.haproxy?.peakRssBytes[role]),
        '–',
        ratio(rate.fusion?.peakRssBytes[role], rate.haproxy?.peakRssBytes[role]),
        '–',
        '< 50 MB per proxy',
        met(
          rate.fusion?.peakRssBytes[role] === undefined
            ? undefined
            : rate.fusion.peakRssBytes[role]! < 50 * MB,
        ),
      ]),
    ],
    notes: [
      `Goals are targets we report against, not pass/fail gates: the benchmark never fails on slow numbers. Worst fusion proxy: ${cpu(cpuFusion)} CPU s/1k, ${mb(rssFusion)} MB peak RSS.`,
    ],
  };
}
