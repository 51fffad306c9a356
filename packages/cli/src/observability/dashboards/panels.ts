/**
 * A small builder for Grafana dashboards: the few panel kinds ours use, laid out in rows, all
 * reading the one Prometheus data source. Kept as code rather than hand-edited JSON so that
 * queries share their pieces, panels are laid out without arithmetic by hand, and the e2e test
 * can run every query the dashboards hold (`queriesOf`). The JSON Grafana reads is written from
 * this by `npm run dashboards` into deploy/grafana/dashboards/, and a test keeps the two equal.
 */

export const PROMETHEUS_UID = 'prometheus';
const DATASOURCE = { type: 'prometheus', uid: PROMETHEUS_UID } as const;

export interface Query {
  readonly expr: string;
  /** `{{deployment}}`-style legend. */
  readonly legend?: string;
  /** One value per series (tables, stats, the node graph) rather than a range. */
  readonly instant?: boolean;
}

export type Unit = 'percentunit' | 'reqps' | 'ms' | 'short' | 'bytes' | 'percent' | 's';

export interface Panel {
  readonly type: 'timeseries' | 'stat' | 'table' | 'nodeGraph';
  readonly title: string;
  readonly description?: string;
  readonly queries: readonly Query[];
  readonly unit?: Unit;
  /** Drawn as a dashed line: an alert's threshold. */
  readonly threshold?: number;
  /** Grid width out of 24. */
  readonly width: number;
  readonly height: number;
  /** Extra panel JSON (transformations, options). */
  readonly extra?: Readonly<Record<string, unknown>>;
}

type PanelOptions = Partial<Pick<Panel, 'description' | 'unit' | 'threshold' | 'extra'>> & {
  readonly width?: number;
  readonly height?: number;
};

export const timeseries = (title: string, queries: Query[], o: PanelOptions = {}): Panel => ({
  type: 'timeseries',
  title,
  queries,
  width: 12,
  height: 8,
  ...o,
});

export const stat = (title: string, query: Query, o: PanelOptions = {}): Panel => ({
  type: 'stat',
  title,
  queries: [{ ...query, instant: true }],
  width: 6,
  height: 4,
  ...o,
});

/** Instant queries merged into one row per label set (Grafana's "merge" transformation). */
export const table = (title: string, queries: Query[], o: PanelOptions = {}): Panel => ({
  type: 'table',
  title,
  queries: queries.map((q) => ({ ...q, instant: true })),
  width: 24,
  height: 8,
  ...o,
  extra: { transformations: [{ id: 'merge', options: {} }], ...o.extra },
});

export interface Variable {
  readonly name: string;
  readonly label: string;
  /** A `label_values(…)` query. */
  readonly query: string;
}

export interface Dashboard {
  readonly uid: string;
  readonly title: string;
  readonly description: string;
  readonly variables?: readonly Variable[];
  readonly panels: readonly Panel[];
}

/** Every query of a dashboard, with the panel it belongs to. */
export function queriesOf(dashboard: Dashboard): { panel: string; query: Query }[] {
  return dashboard.panels.flatMap((panel) =>
    panel.queries.map((query) => ({ panel: panel.title, query })),
  );
}

/** The dashboard as Grafana's JSON model (schema 39), panels placed left to right, row by row. */
export function toGrafana(dashboard: Dashboard): Record<string, unknown> {
  let x = 0;
  let y = 0;
  let rowHeight = 0;
  const panels = dashboard.panels.map((panel, index) => {
    if (x + panel.width > 24) {
      x = 0;
      y += rowHeight;
      rowHeight = 0;
    }
    const gridPos = { x, y, w: panel.width, h: panel.height };
    x += panel.width;
    rowHeight = Math.max(rowHeight, panel.height);
    return panelJson(panel, index + 1, gridPos);
  });
  return {
    uid: dashboard.uid,
    title: dashboard.title,
    description: dashboard.description,
    tags: ['ai-fusion-core', 'mesh'],
    editable: true,
    schemaVersion: 39,
    refresh: '10s',
    time: { from: 'now-15m', to: 'now' },
    timezone: 'browser',
    templating: {
      list: (dashboard.variables ?? []).map((v) => ({
        name: v.name,
        label: v.label,
        type: 'query',
        datasource: DATASOURCE,
        query: { query: v.query, refId: 'variable' },
        definition: v.query,
        refresh: 2,
        sort: 1,
        includeAll: false,
        multi: false,
      })),
    },
    panels,
  };
}

function panelJson(panel: Panel, id: number, gridPos: Record<string, number>) {
  const thresholds =
    panel.threshold === undefined
      ? { mode: 'absolute', steps: [{ color: 'green', value: null }] }
      : {
          mode: 'absolute',
          steps: [
            { color: 'green', value: null },
            { color: 'red', value: panel.threshold },
          ],
        };
  return {
    id,
    type: panel.type,
    title: panel.title,
    ...(panel.description && { description: panel.description }),
    gridPos,
    datasource: DATASOURCE,
    targets: panel.queries.map((q, i) => ({
      refId: String.fromCharCode(65 + i),
      datasource: DATASOURCE,
      expr: q.expr,
      ...(q.legend && { legendFormat: q.legend }),
      ...(q.instant ? { instant: true, range: false, format: 'table' } : { range: true }),
    })),
    fieldConfig: {
      defaults: {
        ...(panel.unit && { unit: panel.unit }),
        thresholds,
        ...(panel.type === 'timeseries' && {
          custom: {
            thresholdsStyle: { mode: panel.threshold === undefined ? 'off' : 'dashed' },
          },
        }),
      },
      overrides: [],
    },
    ...panel.extra,
  };
}
