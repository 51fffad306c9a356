/** The observability tier of `fusion up`: Prometheus, the targets it scrapes, its alerts. */
export { type FiringAlert, firingAlerts } from './alerts.ts';
export {
  findPrometheus,
  INSTALL_HINT,
  PROMETHEUS,
  preparePrometheusDir,
  prometheusAddress,
  prometheusComponent,
  prometheusDir,
} from './prometheus.ts';
export { type TargetFiles, type TargetGroup, targetFiles, writeTargetFiles } from './targets.ts';
