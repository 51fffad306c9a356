/** Reading what a proxy counted, as Prometheus would scrape it. */
import type { Registry } from '@fusion/telemetry';

/** The sum of `name`'s samples whose labels include all of `labels` (0 when none match). */
export function sample(registry: Registry, name: string, labels: Record<string, string>): number {
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  let total = 0;
  for (const line of registry.expose().split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const labelText = line.slice(name.length, line.lastIndexOf(' '));
    const present = labelText.replace(/^\{|\}$/g, '').split(/,(?=[a-z_]+=")/);
    if (wanted.every((w) => present.includes(w)))
      total += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return total;
}
