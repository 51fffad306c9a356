/**
 * The seed's "Per-Service Metrics": one service (the `service` variable) — its golden signals
 * inbound and outbound, per route of its policy, per replica, and the resources of its app and
 * sidecars.
 */
import { type Dashboard, timeseries } from './panels.ts';
import { INBOUND, OUTBOUND, PROXY, quantile, rate, successRatio } from './queries.ts';

const IN = `${INBOUND}, deployment="$service"`;
const OUT = `${OUTBOUND}, deployment="$service"`;
const ROUTES = `${PROXY}, deployment="$service"`;
const ANY_JOB = 'deployment="$service"';

export const perService: Dashboard = {
  uid: 'fusion-per-service',
  title: 'Per-Service Metrics',
  description: "One service's traffic in and out, its routes, its replicas and their resources.",
  variables: [
    {
      name: 'service',
      label: 'service',
      query: 'label_values(request_total{job="linkerd-proxy"}, deployment)',
    },
  ],
  panels: [
    timeseries(
      'Inbound: requests per second by caller',
      [{ expr: rate('request_total', IN, 'client_id'), legend: '{{client_id}}' }],
      { unit: 'reqps' },
    ),
    timeseries(
      'Inbound: success rate',
      [{ expr: successRatio(IN, 'deployment'), legend: 'success' }],
      { unit: 'percentunit', threshold: 0.99 },
    ),
    timeseries(
      'Inbound: latency (p50, p95, p99)',
      [0.5, 0.95, 0.99].map((q) => ({
        expr: quantile(q, 'response_latency_ms', IN, ''),
        legend: `p${Math.round(q * 100)}`,
      })),
      { unit: 'ms' },
    ),
    timeseries(
      'Outbound: requests per second by callee',
      [{ expr: rate('request_total', OUT, 'dst_service'), legend: '{{dst_service}}' }],
      { unit: 'reqps' },
    ),
    timeseries(
      'Outbound: success rate by callee',
      [{ expr: successRatio(OUT, 'dst_service'), legend: '{{dst_service}}' }],
      { unit: 'percentunit' },
    ),
    timeseries(
      'Outbound: p99 by callee',
      [
        {
          expr: quantile(0.99, 'response_latency_ms', OUT, 'dst_service'),
          legend: '{{dst_service}}',
        },
      ],
      { unit: 'ms' },
    ),
    timeseries(
      'Routes: requests per second',
      [
        {
          expr: rate('route_request_total', ROUTES, 'dst, rt_route'),
          legend: '{{dst}} {{rt_route}}',
        },
        {
          expr: rate('route_actual_request_total', ROUTES, 'dst, rt_route'),
          legend: '{{dst}} {{rt_route}} (with retries)',
        },
      ],
      {
        unit: 'reqps',
        description: 'Routes of the policy this service has towards each callee (trafficPolicies).',
      },
    ),
    timeseries(
      'Routes: p99',
      [
        {
          expr: quantile(0.99, 'route_response_latency_ms', ROUTES, 'dst, rt_route'),
          legend: '{{dst}} {{rt_route}}',
        },
      ],
      { unit: 'ms' },
    ),
    timeseries(
      'Replicas: requests per second',
      [{ expr: rate('request_total', IN, 'pod'), legend: '{{pod}}' }],
      { unit: 'reqps' },
    ),
    timeseries(
      'App: requests per second by route and status',
      [
        {
          expr: rate('http_requests_total', `job="fusion-app", ${ANY_JOB}`, 'route, status'),
          legend: '{{route}} {{status}}',
        },
      ],
      { unit: 'reqps' },
    ),
    timeseries(
      'Memory (RSS)',
      [{ expr: `process_resident_memory_bytes{${ANY_JOB}}`, legend: '{{pod}} {{job}}' }],
      { unit: 'bytes' },
    ),
    timeseries(
      'CPU',
      [
        {
          expr: `rate(process_cpu_seconds_total{${ANY_JOB}}[$__rate_interval])`,
          legend: '{{pod}} {{job}}',
        },
      ],
      { unit: 'percentunit', description: 'Share of one core.' },
    ),
    timeseries(
      'Event-loop delay (p99)',
      [{ expr: `nodejs_eventloop_lag_p99_seconds{${ANY_JOB}}`, legend: '{{pod}} {{job}}' }],
      { unit: 's' },
    ),
    timeseries(
      'GC time and open handles',
      [
        {
          expr: `rate(nodejs_gc_duration_seconds_sum{${ANY_JOB}}[$__rate_interval])`,
          legend: 'GC {{pod}} {{job}}',
        },
        { expr: `nodejs_active_resources_total{${ANY_JOB}}`, legend: 'handles {{pod}} {{job}}' },
      ],
      { unit: 'short' },
    ),
  ],
};
