/** Writes a run's figures as JSON and Markdown under bench/results/, and prints the tables. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import type { RunFacts } from './machine.ts';

export interface Table {
  readonly title: string;
  readonly columns: readonly string[];
  readonly rows: readonly (readonly (string | number)[])[];
  readonly notes?: readonly string[];
}

const resultsDir = new URL('../results/', import.meta.url).pathname;

/** One table, or several under one heading line of facts (the first table's title leads). */
export function markdown(facts: RunFacts, tables: Table | readonly Table[]): string {
  const list: readonly Table[] = Array.isArray(tables) ? tables : [tables as Table];
  const line = (cells: readonly (string | number)[]) =>
    `| ${cells.map((c) => String(c).replaceAll('|', '\\|')).join(' | ')} |`;
  const factsLine = `${facts.date} · commit ${facts.commit}${facts.dirty ? ' (with uncommitted changes under packages/)' : ''} · ${facts.cores} cores (${facts.cpuModel}) · ${facts.memoryGiB} GiB · Node ${facts.node}`;
  return list
    .flatMap((table, i) => [
      `## ${table.title}`,
      '',
      ...(i === 0 ? [factsLine, ''] : []),
      line(table.columns),
      line(table.columns.map(() => '---')),
      ...table.rows.map(line),
      '',
      ...(table.notes ?? []).map((n) => `- ${n}`),
      ...(table.notes?.length ? [''] : []),
    ])
    .join('\n');
}

export function saveResults(
  scenario: string,
  facts: RunFacts,
  tables: Table | readonly Table[],
  data: unknown,
): string {
  mkdirSync(resultsDir, { recursive: true });
  const stamp = facts.date.replace(/[:.]/g, '-');
  const base = join(resultsDir, `${scenario}-${stamp}`);
  const shown = Array.isArray(tables) ? { tables } : { table: tables };
  writeFileSync(
    `${base}.json`,
    `${JSON.stringify({ scenario, facts, ...shown, data }, null, 2)}\n`,
  );
  writeFileSync(`${base}.md`, markdown(facts, tables));
  return base;
}

/** The shared machine's business during the run, as the 1-minute load average. */
export function loadNote(loads: readonly number[]): string {
  if (loads.length === 0) return 'load average: not measured';
  const lo = Math.min(...loads).toFixed(1);
  const hi = Math.max(...loads).toFixed(1);
  const cores = cpus().length;
  return `1-minute load average during the measurements: ${lo}–${hi} on ${cores} cores (above ${cores}, processes were waiting for a core: this machine is shared).`;
}
