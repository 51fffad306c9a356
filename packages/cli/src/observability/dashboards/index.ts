/** The seed's four Grafana dashboards, as code (panels.ts says why). */
import { errorRate } from './error-rate.ts';
import { meshOverview } from './mesh-overview.ts';
import type { Dashboard } from './panels.ts';
import { perService } from './per-service.ts';
import { trafficFlow } from './traffic-flow.ts';

export type { Dashboard, Panel, Query } from './panels.ts';
export { PROMETHEUS_UID, queriesOf, toGrafana } from './panels.ts';

/** File name under deploy/grafana/dashboards/ → dashboard. */
export const DASHBOARDS: Readonly<Record<string, Dashboard>> = {
  'mesh-overview.json': meshOverview,
  'per-service.json': perService,
  'traffic-flow.json': trafficFlow,
  'error-rate.json': errorRate,
};
