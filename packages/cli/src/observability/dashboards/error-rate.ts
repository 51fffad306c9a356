/**
 * The seed's "Error Rate Monitoring": failures by service and by response class, the errors the
 * sidecars made themselves (by `l5d-proxy-error` code), and what the policies did about them —
 * retries, circuit-breaker refusals, rate-limit 429s — with the alert thresholds drawn.
 */
import { type Dashboard, table, timeseries } from './panels.ts';
import { INBOUND, PROXY, rate, successRatio } from './queries.ts';

export const errorRate: Dashboard = {
  uid: 'fusion-error-rate',
  title: 'Error Rate Monitoring',
  description: 'Where requests fail, why, and what the mesh did about it.',
  panels: [
    timeseries(
      'Error ratio by service',
      [{ expr: `1 - (${successRatio(INBOUND, 'deployment')})`, legend: '{{deployment}}' }],
      {
        unit: 'percentunit',
        threshold: 0.01,
        description: 'The dashed line is FusionSuccessRateBelowObjective (99 % success).',
      },
    ),
    timeseries(
      'Responses by class',
      [
        {
          expr: `label_replace(${rate('response_total', `${INBOUND}, status_code=~"[45].."`, 'deployment, status_code')}, "class", "\${1}xx", "status_code", "(.).*")`,
          legend: '{{deployment}} {{class}}',
        },
      ],
      { unit: 'reqps' },
    ),
    timeseries(
      'Errors the sidecars made, by code',
      [
        {
          expr: rate('response_total', `${PROXY}, error!=""`, 'deployment, direction, error'),
          legend: '{{deployment}} {{direction}} {{error}}',
        },
      ],
      {
        unit: 'reqps',
        description:
          'The code is the one in l5d-proxy-error (FAIL_FAST, REQUEST_TIMEOUT, FAULT_INJECTED, …).',
      },
    ),
    timeseries(
      'Retries',
      [
        {
          expr: rate('outbound_http_route_retry_requests_total', PROXY, 'deployment, parent_name'),
          legend: '{{deployment}} → {{parent_name}}',
        },
        {
          expr: rate('outbound_http_route_retry_overflow_total', PROXY, 'deployment, parent_name'),
          legend: '{{deployment}} → {{parent_name}} refused by the budget',
        },
      ],
      { unit: 'reqps' },
    ),
    timeseries(
      'Circuit breaker refusals',
      [
        {
          expr: rate(
            'outbound_http_circuit_breaker_open_total',
            PROXY,
            'deployment, parent_name, limit',
          ),
          legend: '{{deployment}} → {{parent_name}} ({{limit}})',
        },
      ],
      { unit: 'reqps', threshold: 0, description: 'Any refusal fires FusionCircuitBreakerOpen.' },
    ),
    timeseries(
      'Rate-limited (429)',
      [
        {
          expr: rate('inbound_http_local_ratelimit_total', PROXY, 'deployment, ratelimit_scope'),
          legend: '{{deployment}} {{ratelimit_scope}}',
        },
      ],
      { unit: 'reqps', threshold: 0, description: 'Any 429 fires FusionRateLimited.' },
    ),
    table('Alerts firing', [{ expr: 'ALERTS{alertstate="firing"}' }], {
      extra: { transformations: [] },
    }),
  ],
};
