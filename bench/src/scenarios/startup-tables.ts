/** `startup`'s Markdown tables: one sidecar's launches, `fusion up` runs, every component. */
import { loadNote, type Table } from '../report.ts';
import { summarize } from '../stats.ts';
import {
  type ComponentStart,
  type Phase,
  POLL_MS,
  SERVICE,
  type StartupRun,
  TARGET_MS,
  type Up,
} from './startup.ts';

const secs = (ms: number | undefined) => (ms === undefined ? '–' : (ms / 1000).toFixed(2));
const msText = (ms: number | undefined) => (ms === undefined ? '–' : ms.toFixed(0));
const met = (ms: number | undefined) => (ms === undefined ? '–' : ms <= TARGET_MS ? 'yes' : 'no');

export function startupTables(run: StartupRun): Table[] {
  const tables: Table[] = [];
  const loads = [...run.launches.map((l) => l.loadAverage), ...run.ups.map((u) => u.loadAverage)];
  if (run.launches.length > 0) {
    const ready = run.launches.flatMap((l) => (l.readyMs === undefined ? [] : [l.readyMs]));
    const phase = (p: Phase) =>
      summarize(run.launches.flatMap((l) => (l.phasesMs[p] === undefined ? [] : [l.phasesMs[p]!])));
    const readySummary = summarize(ready);
    const nodeAlone = summarize(
      run.launches.flatMap((l) => (l.nodeAloneMs === undefined ? [] : [l.nodeAloneMs])),
    );
    const cpu = run.launches.flatMap((l) =>
      l.cpuSecondsToReady === undefined ? [] : [l.cpuSecondsToReady],
    );
    const rows: (string | number)[][] = run.launches.map((l, i) => [
      i + 1,
      l.loadAverage.toFixed(1),
      msText(l.nodeAloneMs),
      msText(l.phasesMs.admin),
      msText(l.phasesMs.certificate),
      msText(l.phasesMs.registered),
      msText(l.phasesMs.ready),
      l.readyMs === undefined ? `not ready: ${l.error}` : msText(l.readyMs),
      met(l.readyMs),
      l.cpuSecondsToReady === undefined ? '–' : l.cpuSecondsToReady.toFixed(2),
    ]);
    for (const [label, pick] of [
      ['**p50**', 'p50'],
      ['**max**', 'max'],
    ] as const) {
      rows.push([
        label,
        '',
        msText(nodeAlone[pick]),
        msText(phase('admin')[pick]),
        msText(phase('certificate')[pick]),
        msText(phase('registered')[pick]),
        msText(phase('ready')[pick]),
        msText(readySummary[pick]),
        ready.length ? met(readySummary[pick]) : '–',
        cpu.length ? summarize(cpu)[pick].toFixed(2) : '–',
      ]);
    }
    tables.push({
      title: 'Startup: one sidecar, launch → ready (ms from spawn)',
      columns: [
        'launch',
        'load avg',
        '`node -e 0`',
        'admin listening',
        'certificate obtained',
        'registered',
        '"proxy ready" logged',
        '/ready 200',
        `≤ ${TARGET_MS} ms`,
        'CPU s to ready',
      ],
      rows,
      notes: [
        `fusion-proxy: ${run.programs['fusion-proxy'] ?? '?'}, run with plain \`node --max-semi-space-size=4 --enable-source-maps\` as \`fusion up\` runs a sidecar, the supervisor's environment (service ${SERVICE}); control plane: ${run.programs['control plane'] ?? '?'}, its own process, already running.`,
        `Launches one after another, each stopped (SIGTERM, deregistered) before the next; /ready polled every ${POLL_MS} ms. \`node -e 0\`: Node alone with the same V8 flags, spawn → exit, timed just before each launch (the floor). Phases from the proxy's own JSON log lines: "admin listening" is Node's start plus loading the bundle; then a P-256 key, a CSR and Certify over TLS; then listeners and the first Register with the destination service. CPU s to ready: the proxy's own user + system time when /ready first answered; nine sidecars starting at once under \`fusion up\` need about nine times that from the machine's 2 cores.`,
        `Target (issue 10): ready within ${TARGET_MS} ms on an idle machine. ${ready.length ? `${ready.filter((r) => r <= TARGET_MS).length} of ${ready.length} launches met it.` : 'No launch got ready.'}`,
      ],
    });
  }
  if (run.ups.length > 0) {
    const upRows = run.ups.map((u, i) => {
      const sidecars = u.components.filter((c) => c.sidecar);
      const apps = u.components.filter((c) => !c.sidecar && c.tier === 'services');
      const slowest = (list: readonly ComponentStart[]) =>
        Math.max(...list.map((c) => c.readyMs ?? Number.NaN));
      return [
        i + 1,
        u.ok ? 'ready' : `failed: ${u.error}`,
        u.loadAverage.toFixed(1),
        secs(u.commandMs),
        secs(u.supervisedMs),
        secs(u.tiersMs.infrastructure),
        secs(u.tiersMs['control-plane']),
        secs(u.tiersMs.services),
        secs(summarize(sidecars.flatMap((c) => (c.readyMs === undefined ? [] : [c.readyMs]))).p50),
        secs(sidecars.length ? slowest(sidecars) : undefined),
        secs(apps.length ? slowest(apps) : undefined),
      ];
    });
    tables.push({
      title: 'Startup: `fusion up --detach` → everything ready (s)',
      columns: [
        'run',
        'outcome',
        'load avg',
        '`fusion up` returned',
        'supervisor: first line → last ready',
        'infrastructure tier',
        'control-plane tier',
        'services tier',
        'sidecar start → ready p50',
        'slowest sidecar',
        'slowest app',
      ],
      rows: upRows,
      notes: [
        'A copy of fusion.yaml (all nine services, their sidecars, the control plane, embedded PostgreSQL) with its ports moved and a fresh state directory: each run creates the PKI and the database as on a fresh clone. `fusion up` returned = spawn to exit of `fusion up --detach`, which bundles the control plane and the proxy with esbuild first; the supervisor times start at its first log line.',
        'Each component starts once what it depends on is ready (decision 0016): PostgreSQL and the control plane at once, the nine sidecars together once the control plane is ready, each app once its own sidecar, its dependencies and (if it owns data) PostgreSQL are; the first run after `npm ci` also makes the PostgreSQL template cluster (one initdb). Start → ready is from the component\'s start (state file) to the supervisor\'s "is ready" line; the supervisor probes at 50, 100, 200, 400, then every 500 ms, so its "ready" can trail the real one by up to that interval.',
      ],
    });
    const names = run.ups[0]!.components.map((c) => c.name);
    const rows = names.map((name) => {
      const cells: (string | number)[] = [name];
      for (const u of run.ups) {
        const c = u.components.find((x) => x.name === name);
        cells.push(
          msText(c?.readyMs),
          c?.sidecar ? msText(c.phasesMs.admin) : '',
          c?.sidecar ? msText(c.phasesMs.certificate) : '',
          c?.sidecar ? msText(c.phasesMs.ready) : '',
        );
      }
      const first = run.ups[0]!.components.find((x) => x.name === name);
      cells.push(first?.sidecar ? 'sidecar' : (first?.tier ?? ''));
      return cells;
    });
    tables.push({
      title: 'Startup: each component under `fusion up`, start → ready (ms)',
      columns: [
        'component',
        ...run.ups.flatMap((_, i) => [
          `run ${i + 1}: ready (supervisor)`,
          'admin listening (own log)',
          'certificate (own log)',
          '"proxy ready" (own log)',
        ]),
        'kind',
      ],
      rows,
      notes: [
        `Target for a lone sidecar: within ${TARGET_MS} ms. ${targetLine(run.ups)}`,
        ...run.ups.flatMap((u, i) =>
          u.components
            .filter((c) => c.restarts > 0)
            .map(
              (c) =>
                `run ${i + 1}: ${c.name} restarted ${c.restarts} time(s); its start is the last process's.`,
            ),
        ),
        loadNote(loads),
      ],
    });
  } else {
    tables.push({ title: 'Startup: notes', columns: ['note'], rows: [[loadNote(loads)]] });
  }
  return tables;
}

function targetLine(ups: readonly Up[]): string {
  const own = ups.flatMap((u) =>
    u.components
      .filter((c) => c.sidecar && c.phasesMs.ready !== undefined)
      .map((c) => c.phasesMs.ready!),
  );
  const seen = ups.flatMap((u) =>
    u.components.filter((c) => c.sidecar && c.readyMs !== undefined).map((c) => c.readyMs!),
  );
  if (own.length === 0) return 'No sidecar logged "proxy ready".';
  const o = summarize(own);
  const s = summarize(seen);
  return `Sidecars under \`fusion up\` (all nine start at once; each app only once its own sidecar is ready): "proxy ready" p50 ${msText(o.p50)} ms, max ${msText(o.max)} ms (${own.filter((v) => v <= TARGET_MS).length} of ${own.length} within ${TARGET_MS} ms); as the supervisor saw it p50 ${msText(s.p50)} ms, max ${msText(s.max)} ms.`;
}
