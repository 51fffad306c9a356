/** `chain`'s figures (per rate and path, over all rounds) and its Markdown tables. */
import { mergeLoads } from '../load/index.ts';
import { loadNote, type Table } from '../report.ts';
import { APPS, type ChainPath, type ChainRun, PATHS, SIDECARS, SUPERVISOR } from './chain.ts';

const ms = (v: number) => v.toFixed(2);
const signed = (v: number) => `${v >= 0 ? '+' : ''}${v.toFixed(2)}`;

export interface ChainFigures {
  readonly rates: readonly {
    readonly rate: number;
    readonly path: ChainPath;
    readonly ok: number;
    readonly failed: number;
    readonly failures: Readonly<Record<string, number>>;
    readonly p50: number;
    readonly p90: number;
    readonly p99: number;
    readonly max: number;
    /** CPU seconds per 1,000 2xx responses, per process. */
    readonly cpuPer1k: Readonly<Record<string, number>>;
  }[];
}

export function chainFigures(run: ChainRun): ChainFigures {
  const rows: ChainFigures['rates'][number][] = [];
  for (const rate of run.options.rates) {
    for (const path of PATHS) {
      const samples = run.samples.filter((s) => s.rate === rate && s.path === path);
      if (samples.length === 0) continue;
      const load = mergeLoads(samples.map((s) => s.load));
      const latency = load.latency.summary();
      const cpu: Record<string, number> = {};
      for (const s of samples) {
        for (const [name, seconds] of Object.entries(s.cpuSeconds))
          cpu[name] = (cpu[name] ?? 0) + seconds;
      }
      rows.push({
        rate,
        path,
        ok: load.ok,
        failed: load.errors + load.non2xx,
        failures: load.errorReasons,
        p50: latency.p50,
        p90: latency.p90,
        p99: latency.p99,
        max: latency.max,
        cpuPer1k: Object.fromEntries(
          Object.entries(cpu).map(([name, seconds]) => [
            name,
            load.ok > 0 ? (seconds * 1000) / load.ok : 0,
          ]),
        ),
      });
    }
  }
  return { rates: rows };
}

export function chainTables(run: ChainRun, figures: ChainFigures): Table[] {
  const loads = run.samples.map((s) => s.loadAverage);
  const direct = (rate: number) =>
    figures.rates.find((r) => r.rate === rate && r.path === 'direct');
  const latency: Table = {
    title: 'Chain: GET /v1/whoami through the gateway (gateway → ai-kernel → identity), open loop',
    columns: [
      'rps',
      'path',
      'ok',
      'failed',
      'p50 ms',
      'p90 ms',
      'p99 ms',
      'max ms',
      'added p50',
      'added p90',
      'added p99',
    ],
    rows: figures.rates.map((r) => {
      const base = r.path === 'mesh' ? direct(r.rate) : undefined;
      return [
        r.rate,
        r.path === 'mesh' ? 'mesh (3 sidecars, 2 pairs)' : 'direct (apps only)',
        r.ok,
        r.failed,
        ms(r.p50),
        ms(r.p90),
        ms(r.p99),
        ms(r.max),
        base ? signed(r.p50 - base.p50) : '–',
        base ? signed(r.p90 - base.p90) : '–',
        base ? signed(r.p99 - base.p99) : '–',
      ];
    }),
    notes: [
      `${run.options.rounds} round(s) × ${run.options.seconds} s per rate and path, interleaved; ${run.options.connections} keep-alive connections (undici Pool); latency from each request's due time.`,
      "mesh: `fusion up --detach` on a copy of fusion.yaml (all nine services, the working tree as `fusion up` runs it: sidecars, control plane and apps bundled by esbuild; the seed's ai-kernel → identity retry and circuit-breaker policy in force); the client calls the gateway sidecar's inbound port in plain HTTP, as an outside caller does. direct: the same three apps alone, calling each other through FUSION_MESH_ENDPOINTS.",
      '"added" is mesh minus direct at the same rate: the gateway sidecar\'s inbound hop plus two proxy pairs (gateway → ai-kernel, ai-kernel → identity), each with mTLS between the proxies.',
      ...figures.rates
        .filter((r) => r.failed > 0)
        .map(
          (r) =>
            `${r.path} at ${r.rate} rps failed: ${Object.entries(r.failures)
              .map(([why, n]) => `${n} × ${why}`)
              .join(', ')}.`,
        ),
      ...(run.upMs !== undefined
        ? [
            `\`fusion up --detach\` took ${(run.upMs / 1000).toFixed(1)} s, the direct apps starting beside it (ports moved to ${run.portBase}+; \`bench startup\` times start-up on its own).`,
          ]
        : []),
      loadNote(loads),
    ],
  };
  const rounds: Table = {
    title: 'Chain: round by round',
    columns: ['round', 'rps', 'path', 'load avg', 'p50 ms', 'p99 ms', 'failed'],
    rows: run.samples.map((s) => {
      const l = s.load.latency.summary();
      return [
        s.round + 1,
        s.rate,
        s.path,
        s.loadAverage.toFixed(1),
        ms(l.p50),
        ms(l.p99),
        s.load.errors + s.load.non2xx,
      ];
    }),
  };
  const processes = [...SIDECARS, ...APPS, SUPERVISOR];
  const cpuRows: (string | number)[][] = [];
  for (const path of PATHS) {
    for (const name of processes) {
      if (path === 'direct' && name !== SUPERVISOR && name.endsWith('-proxy')) continue;
      const values = run.options.rates.map(
        (rate) => figures.rates.find((r) => r.rate === rate && r.path === path)?.cpuPer1k[name],
      );
      if (values.every((v) => v === undefined)) continue;
      cpuRows.push([path, name, ...values.map((v) => (v === undefined ? '–' : v.toFixed(3)))]);
    }
    const totals = (filter: (name: string) => boolean) =>
      run.options.rates.map((rate) => {
        const row = figures.rates.find((r) => r.rate === rate && r.path === path);
        if (!row) return '–';
        return Object.entries(row.cpuPer1k)
          .filter(([n]) => filter(n))
          .reduce((sum, [, v]) => sum + v, 0)
          .toFixed(3);
      });
    if (path === 'mesh')
      cpuRows.push([path, '**3 sidecars together**', ...totals((n) => n.endsWith('-proxy'))]);
    cpuRows.push([
      path,
      '**3 apps together**',
      ...totals((n) => n !== SUPERVISOR && !n.endsWith('-proxy')),
    ]);
  }
  const cpu: Table = {
    title: 'Chain: CPU seconds per 1,000 requests, per process',
    columns: ['path', 'process', ...run.options.rates.map((r) => `CPU s/1k @${r} rps`)],
    rows: cpuRows,
    notes: [
      "utime + stime from /proc/<pid>/stat before and after each measurement, over 2xx responses. A whoami request crosses the gateway sidecar twice (inbound, then outbound), ai-kernel's twice, identity's once.",
      'The goal for one proxy of a pair (bench pair) is < 0.2 CPU s per 1,000 requests.',
      "The fusion supervisor (mesh only, not in the totals) relays every line its components log to .fusion/logs/ (the apps log a request that went well at debug, so at the default info level there are none); in the direct path the benchmark process reads the apps' lines instead.",
    ],
  };
  return [latency, rounds, cpu];
}
