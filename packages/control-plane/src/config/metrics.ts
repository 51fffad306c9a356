/**
 * What the config source reports about itself, read from it at scrape time: reloads by
 * outcome, the generation in force, and whether the file on disk is refused right now — the
 * one to alert on, since a refused file means an operator's change is not in force.
 */
import type { Registry } from '@fusion/telemetry';
import type { ConfigSource } from './source.ts';

export function registerConfigMetrics(
  registry: Registry,
  source: Pick<ConfigSource, 'counts' | 'current' | 'lastRefusal'>,
): void {
  registry.counter({
    name: 'control_plane_config_reloads_total',
    help: 'Reads of fusion.yaml after start, by result: applied, refused or unchanged.',
    labelNames: ['result'],
    collect: (counter) => {
      for (const [result, count] of Object.entries(source.counts())) {
        const child = counter.labels(result);
        child.inc(count - child.get());
      }
    },
  });
  registry.gauge({
    name: 'control_plane_config_generation',
    help: 'Generation of the fusion.yaml in force: 1 at start, one more per change applied.',
    collect: (gauge) => gauge.set(source.current().version.generation),
  });
  registry.gauge({
    name: 'control_plane_config_refused',
    help: '1 while the fusion.yaml on disk is refused and an older generation stays in force.',
    collect: (gauge) => gauge.set(source.lastRefusal() ? 1 : 0),
  });
}
