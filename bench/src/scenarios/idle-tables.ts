/** `idle`'s Markdown tables: each round's totals by kind of process, then every component. */
import { loadNote, type Table } from '../report.ts';
import { type IdleRound, type IdleRun, type ProcessFigures, SUPERVISOR, sum } from './idle.ts';

export const TARGETS = { upMs: 8_000, rssBytes: 1.2e9, cpuPercent: 5 } as const;

const MB = 2 ** 20;
const mb = (bytes: number) => (bytes / MB).toFixed(0);
const pct = (cpuSeconds: number, window: number) =>
  window > 0 ? ((100 * cpuSeconds) / window).toFixed(1) : '–';

/** Which kind of process a component is, by its name in the plan. */
export function kindOf(name: string): string {
  if (name === SUPERVISOR) return 'supervisor';
  if (name === 'control-plane' || name === 'postgres') return name;
  return name.endsWith('-proxy') ? 'sidecars' : 'apps';
}
const KINDS = ['supervisor', 'control-plane', 'postgres', 'sidecars', 'apps'] as const;

function byKind(round: IdleRound): Map<string, ProcessFigures> {
  const groups = new Map<string, ProcessFigures[]>();
  for (const f of round.figures) {
    const list = groups.get(kindOf(f.name)) ?? [];
    list.push(f);
    groups.set(kindOf(f.name), list);
  }
  return new Map([...groups].map(([kind, list]) => [kind, sum(list)]));
}

export function idleTables(run: IdleRun): Table[] {
  const ok = run.rounds.filter((r) => r.ok);
  const loads = run.rounds.flatMap((r) => r.loadAverages);
  const totals: Table = {
    title: 'Idle platform: `fusion up` to ready, then RSS and CPU of every process',
    columns: [
      'round',
      'fusion up → ready s',
      'processes',
      'RSS MB (mean / max)',
      'CPU % of a core',
      ...KINDS.map((k) => `${k}: MB · %`),
    ],
    rows: run.rounds.map((round, i) => {
      if (!round.ok) return [i + 1, `failed: ${round.error}`];
      const all = sum(round.figures);
      const kinds = byKind(round);
      return [
        i + 1,
        (round.upMs / 1000).toFixed(1),
        all.processes,
        `${mb(all.meanRssBytes)} / ${mb(all.maxRssBytes)}`,
        pct(all.cpuSeconds, round.windowSeconds),
        ...KINDS.map((k) => {
          const f = kinds.get(k);
          return f ? `${mb(f.meanRssBytes)} · ${pct(f.cpuSeconds, round.windowSeconds)}` : '–';
        }),
      ];
    }),
    notes: [
      `${run.options.seconds} s measured per round, ${run.options.settleSeconds} s after \`fusion up --detach\` returned; no request sent. Every process under the supervisor, read from /proc: CPU is user + system time over the window (100 % = one core), RSS sampled each second.`,
      `Targets (issue 10): ready ≤ ${TARGETS.upMs / 1000} s, RSS of all processes ≤ ${TARGETS.rssBytes / 1e9} GB, CPU ≤ ${TARGETS.cpuPercent} % of a core.`,
      loadNote(loads),
    ],
  };
  if (ok.length === 0) return [totals];
  const names = [...new Set(ok.flatMap((r) => r.figures.map((f) => f.name)))].sort(
    (a, b) => KINDS.indexOf(kindOf(a) as never) - KINDS.indexOf(kindOf(b) as never),
  );
  const components: Table = {
    title: 'Idle platform: each component (mean over the rounds)',
    columns: ['component', 'processes', 'RSS MB', 'CPU % of a core'],
    rows: names.map((name) => {
      const present = ok.flatMap((r) => {
        const f = r.figures.find((x) => x.name === name);
        return f ? [{ f, window: r.windowSeconds }] : [];
      });
      const n = present.length;
      const mean = (pick: (x: (typeof present)[number]) => number) =>
        present.reduce((a, x) => a + pick(x), 0) / n;
      return [
        name,
        present[0]!.f.processes,
        mb(mean((x) => x.f.meanRssBytes)),
        ((100 * mean((x) => x.f.cpuSeconds / x.window)) as number).toFixed(2),
      ];
    }),
  };
  return [totals, components];
}
