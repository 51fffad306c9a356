/** Writes a run's figures as JSON and Markdown under bench/results/, and prints the table. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunFacts } from './machine.ts';

export interface Table {
  readonly title: string;
  readonly columns: readonly string[];
  readonly rows: readonly (readonly (string | number)[])[];
  readonly notes?: readonly string[];
}

const resultsDir = new URL('../results/', import.meta.url).pathname;

export function markdown(facts: RunFacts, table: Table): string {
  const line = (cells: readonly (string | number)[]) => `| ${cells.join(' | ')} |`;
  return [
    `## ${table.title}`,
    '',
    `${facts.date} · commit ${facts.commit} · ${facts.cores} cores (${facts.cpuModel}) · ${facts.memoryGiB} GiB · Node ${facts.node}`,
    '',
    line(table.columns),
    line(table.columns.map(() => '---')),
    ...table.rows.map(line),
    '',
    ...(table.notes ?? []).map((n) => `- ${n}`),
    '',
  ].join('\n');
}

export function saveResults(
  scenario: string,
  facts: RunFacts,
  table: Table,
  data: unknown,
): string {
  mkdirSync(resultsDir, { recursive: true });
  const stamp = facts.date.replace(/[:.]/g, '-');
  const base = join(resultsDir, `${scenario}-${stamp}`);
  writeFileSync(`${base}.json`, `${JSON.stringify({ scenario, facts, table, data }, null, 2)}\n`);
  writeFileSync(`${base}.md`, markdown(facts, table));
  return base;
}
