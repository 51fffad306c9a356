/**
 * The seed's "Traffic Flow": who calls whom, from the callers' sidecars (`deployment` calls
 * `dst_service`), drawn by Grafana's node graph: one frame of nodes (`id`, `title`,
 * `mainstat`) and one of edges (`id`, `source`, `target`, `mainstat`), their fields named by the
 * queries' labels and a rename; then the same edges as a table with success, p99 and mTLS.
 */
import { type Dashboard, type Panel, table } from './panels.ts';
import { INBOUND, OUTBOUND, quantile, rate, successRatio } from './queries.ts';

const nodes = `label_replace(${rate('request_total', INBOUND, 'deployment')}, "id", "$1", "deployment", "(.*)")`;
const edges = `label_join(${rate('request_total', OUTBOUND, 'deployment, dst_service')}, "id", " -> ", "deployment", "dst_service")`;

const graph: Panel = {
  type: 'nodeGraph',
  title: 'Who calls whom',
  description: 'Requests per second on each edge; a node is a service, sized by what it receives.',
  queries: [
    { expr: nodes, instant: true },
    { expr: edges, instant: true },
  ],
  width: 24,
  height: 14,
  extra: {
    transformations: [
      {
        id: 'organize',
        options: {
          renameByName: {
            'Value #A': 'mainstat',
            'Value #B': 'mainstat',
            deployment: 'title',
          },
        },
      },
    ],
    options: { nodes: { mainStatUnit: 'reqps' }, edges: { mainStatUnit: 'reqps' } },
  },
};

export const trafficFlow: Dashboard = {
  uid: 'fusion-traffic-flow',
  title: 'Traffic Flow',
  description: 'The mesh as a graph of services and the calls between them.',
  panels: [
    graph,
    table('Edges', [
      { expr: rate('request_total', OUTBOUND, 'deployment, dst_service'), legend: 'rps' },
      { expr: successRatio(OUTBOUND, 'deployment, dst_service'), legend: 'success' },
      {
        expr: quantile(0.99, 'response_latency_ms', OUTBOUND, 'deployment, dst_service'),
        legend: 'p99 ms',
      },
      {
        expr: `${rate('request_total', `${OUTBOUND}, tls="true"`, 'deployment, dst_service')} / ${rate('request_total', OUTBOUND, 'deployment, dst_service')}`,
        legend: 'mTLS',
      },
    ]),
  ],
};
