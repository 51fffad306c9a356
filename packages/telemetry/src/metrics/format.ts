/**
 * Text exposition format 0.0.4: names, escaping and number rendering. Everything here runs when a
 * series is created or scraped, never per observation.
 */

/** The Content-Type a Prometheus scrape expects for this format. */
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const LABEL_VALUE_SPECIALS = /[\\"\n]/;
const HELP_SPECIALS = /[\\\n]/;

/** Throws unless `name` is a valid metric name. */
export function assertMetricName(name: string): void {
  if (!METRIC_NAME.test(name)) {
    throw new TypeError(`invalid metric name "${name}": must match ${METRIC_NAME.source}`);
  }
}

/** Throws unless every label name is valid, unreserved and unique. */
export function assertLabelNames(metric: string, names: readonly string[]): void {
  const seen = new Set<string>();
  for (const name of names) {
    if (!LABEL_NAME.test(name) || name.startsWith('__')) {
      throw new TypeError(`metric ${metric}: invalid label name "${name}"`);
    }
    if (seen.has(name)) throw new TypeError(`metric ${metric}: duplicate label name "${name}"`);
    seen.add(name);
  }
}

/** Escapes `\`, `"` and newline, the three characters the format reserves inside label values. */
export function escapeLabelValue(value: string): string {
  if (!LABEL_VALUE_SPECIALS.test(value)) return value;
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** HELP text escapes only `\` and newline; quotes are literal there. */
export function escapeHelp(help: string): string {
  if (!HELP_SPECIALS.test(help)) return help;
  return help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

/** Renders `{a="x",b="y"}`, or the empty string when there are no labels. */
export function renderLabels(names: readonly string[], values: readonly string[]): string {
  let out = '';
  for (let i = 0; i < names.length; i++) {
    const value = values[i] ?? '';
    // An empty value means "no such label" to Prometheus; leaving it out matches that, and lets
    // one family carry label sets that differ by series (Linkerd's inbound and outbound).
    if (value === '') continue;
    out += `${out === '' ? '{' : ','}${names[i]}="${escapeLabelValue(value)}"`;
  }
  return out === '' ? '' : `${out}}`;
}

/** Renders a sample value the way Prometheus parses it (`+Inf`, `-Inf`, `NaN`). */
export function formatValue(value: number): string {
  if (Number.isFinite(value)) return String(value);
  if (Number.isNaN(value)) return 'NaN';
  return value > 0 ? '+Inf' : '-Inf';
}

/** The `# HELP` and `# TYPE` header of one metric family. */
export function renderHeader(name: string, help: string, type: string): string {
  return `# HELP ${name} ${escapeHelp(help)}\n# TYPE ${name} ${type}\n`;
}
