/**
 * `npm run dashboards`: writes the dashboards (index.ts) as the JSON Grafana provisions from
 * deploy/grafana/dashboards/. A test fails while the committed files differ from the code.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { deployDir } from '../../paths.ts';
import { DASHBOARDS, toGrafana } from './index.ts';

export const dashboardsDir = join(deployDir, 'grafana', 'dashboards');

export function dashboardJson(name: string): string {
  const dashboard = DASHBOARDS[name];
  if (!dashboard) throw new Error(`no dashboard ${name}`);
  return `${JSON.stringify(toGrafana(dashboard), null, 2)}\n`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  mkdirSync(dashboardsDir, { recursive: true });
  for (const name of Object.keys(DASHBOARDS)) {
    writeFileSync(join(dashboardsDir, name), dashboardJson(name));
    console.log(`wrote ${join(dashboardsDir, name)}`);
  }
}
