import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { DASHBOARDS, queriesOf, toGrafana } from './index.ts';
import { dashboardJson, dashboardsDir } from './write.ts';

describe('the Grafana dashboards', () => {
  it('are the seed’s four, and the committed JSON is what the code writes (npm run dashboards)', () => {
    assert.deepEqual(
      Object.values(DASHBOARDS).map((d) => d.title),
      ['Service Mesh Overview', 'Per-Service Metrics', 'Traffic Flow', 'Error Rate Monitoring'],
    );
    for (const name of Object.keys(DASHBOARDS)) {
      const committed = readFileSync(join(dashboardsDir, name), 'utf8');
      assert.equal(committed, dashboardJson(name), `${name} is stale: run npm run dashboards`);
    }
  });

  it('give every panel a place inside the 24-column grid, without overlaps, and a query', () => {
    for (const dashboard of Object.values(DASHBOARDS)) {
      const json = toGrafana(dashboard) as {
        panels: {
          id: number;
          title: string;
          gridPos: { x: number; y: number; w: number; h: number };
          targets: unknown[];
        }[];
      };
      const taken = new Set<string>();
      for (const panel of json.panels) {
        const { x, y, w, h } = panel.gridPos;
        assert.ok(x >= 0 && x + w <= 24, `${dashboard.title}: ${panel.title} fits the width`);
        for (let i = x; i < x + w; i++) {
          for (let j = y; j < y + h; j++) {
            assert.ok(!taken.has(`${i},${j}`), `${dashboard.title}: ${panel.title} overlaps`);
            taken.add(`${i},${j}`);
          }
        }
        assert.ok(panel.targets.length > 0, `${panel.title} has a query`);
      }
      assert.equal(new Set(json.panels.map((p) => p.id)).size, json.panels.length);
    }
  });

  it('use only the variables they define', () => {
    for (const dashboard of Object.values(DASHBOARDS)) {
      const defined = new Set((dashboard.variables ?? []).map((v) => v.name));
      for (const { panel, query } of queriesOf(dashboard)) {
        for (const [, name] of query.expr.matchAll(/\$\{?(\w+)/g)) {
          if (name === '__rate_interval' || /^\d+$/.test(name!)) continue;
          assert.ok(defined.has(name!), `${dashboard.title} / ${panel}: $${name} is not defined`);
        }
      }
    }
  });
});
