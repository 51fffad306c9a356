/** The seed's "Service Mesh Overview": the whole mesh at a glance, then one row per service. */
import { type Dashboard, stat, table, timeseries } from './panels.ts';
import { INBOUND, quantile, rate, successRatio } from './queries.ts';

export const meshOverview: Dashboard = {
  uid: 'fusion-mesh-overview',
  title: 'Service Mesh Overview',
  description: 'Success rate, traffic, latency and mTLS across every meshed service.',
  panels: [
    stat('Success rate', { expr: `sum(${successRatio(INBOUND, '')})` }, { unit: 'percentunit' }),
    stat(
      'Requests per second',
      { expr: `sum(${rate('request_total', INBOUND, '')})` },
      {
        unit: 'reqps',
      },
    ),
    stat(
      'p99 latency',
      { expr: quantile(0.99, 'response_latency_ms', INBOUND, '') },
      { unit: 'ms' },
    ),
    stat(
      'mTLS share',
      {
        expr: `sum(${rate('request_total', `${INBOUND}, tls="true"`, '')}) / sum(${rate('request_total', INBOUND, '')})`,
      },
      {
        unit: 'percentunit',
        description:
          'Requests that arrived over mesh mTLS (the rest came from outside, at the gateway).',
      },
    ),
    timeseries(
      'Requests per second by service',
      [{ expr: rate('request_total', INBOUND, 'deployment'), legend: '{{deployment}}' }],
      { unit: 'reqps' },
    ),
    timeseries(
      'Latency (p50, p95, p99)',
      [0.5, 0.95, 0.99].map((q) => ({
        expr: quantile(q, 'response_latency_ms', INBOUND, ''),
        legend: `p${Math.round(q * 100)}`,
      })),
      { unit: 'ms' },
    ),
    table('Services', [
      { expr: successRatio(INBOUND, 'deployment'), legend: 'success' },
      { expr: rate('request_total', INBOUND, 'deployment'), legend: 'rps' },
      { expr: quantile(0.99, 'response_latency_ms', INBOUND, 'deployment'), legend: 'p99 ms' },
    ]),
  ],
};
