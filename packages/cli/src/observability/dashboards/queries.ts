/**
 * The PromQL the dashboards share. Every series comes from the `linkerd-proxy` job (a sidecar's
 * view, Linkerd's metric names) unless it says otherwise; `$__rate_interval` is Grafana's.
 */

const RATE = '[$__rate_interval]';
export const PROXY = 'job="linkerd-proxy"';

/** `sum by (by) (rate(metric{selector}[…]))`. */
export function rate(metric: string, selector: string, by: string): string {
  return `sum by (${by}) (rate(${metric}{${selector}}${RATE}))`;
}

/** Successful responses over all responses, as a ratio, per `by`. */
export function successRatio(selector: string, by: string): string {
  return `${rate('response_total', `${selector}, classification="success"`, by)} / ${rate('response_total', selector, by)}`;
}

/** A latency quantile from a `*_bucket` histogram in ms, per `by`. */
export function quantile(q: number, histogram: string, selector: string, by: string): string {
  const groups = by === '' ? 'le' : `${by}, le`;
  return `histogram_quantile(${q}, ${rate(`${histogram}_bucket`, selector, groups)})`;
}

export const INBOUND = `${PROXY}, direction="inbound"`;
export const OUTBOUND = `${PROXY}, direction="outbound"`;
