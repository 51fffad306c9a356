/**
 * Prometheus's targets under `fusion up`, from the plan: every sidecar's admin, every service
 * kit app, the control plane and Prometheus itself, each in the file its scrape job reads
 * (deploy/prometheus/prometheus.yml, file-based service discovery). Written again whenever the
 * plan changes (a reload that adds a replica or a service), each file replaced whole, so that
 * Prometheus never reads half of one. A target that is planned but down stays listed: its `up`
 * is 0, which is what the FusionProxyDown alert reads.
 *
 * Labels are those Linkerd's viz Prometheus gives a pod: `namespace`, `pod` (the instance),
 * `deployment` (the service), so Linkerd's own queries work.
 */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FusionConfig } from '@fusion/mesh-types';
import type { ComponentSpec } from '../supervisor/index.ts';

export interface TargetGroup {
  readonly targets: readonly string[];
  readonly labels: Readonly<Record<string, string>>;
}

/** File name (in `targets/`) → its groups. */
export type TargetFiles = Readonly<Record<string, readonly TargetGroup[]>>;

export interface TargetInputs {
  readonly config: FusionConfig;
  readonly components: readonly ComponentSpec[];
  /** The control plane's admin address and Prometheus's own, `host:port`. */
  readonly controlPlaneAdmin: string;
  readonly prometheus: string;
}

export function targetFiles(inputs: TargetInputs): TargetFiles {
  const { config, components } = inputs;
  const namespace = config.mesh.namespace;
  const proxies: TargetGroup[] = [];
  const apps: TargetGroup[] = [];
  for (const c of components) {
    if (c.service === undefined) continue;
    const service = config.services[c.service];
    if (service === undefined) continue;
    if (c.sidecar) {
      const pod = c.name.replace(/-proxy$/, '');
      proxies.push({
        targets: [c.sidecar.admin],
        labels: { namespace, pod, deployment: service.name },
      });
    } else if (service.start.kind === 'entry' && service.protocol !== 'tcp') {
      // A service kit app serves /metrics on its private address; any other program may not.
      const address = c.listen[0];
      if (address === undefined) continue;
      apps.push({
        targets: [`${address.host}:${address.port}`],
        labels: { namespace, pod: c.name, deployment: service.name },
      });
    }
  }
  return {
    'proxies.json': proxies,
    'apps.json': apps,
    'control-plane.json': [
      { targets: [inputs.controlPlaneAdmin], labels: { component: 'control-plane' } },
    ],
    'prometheus.json': [{ targets: [inputs.prometheus], labels: { component: 'prometheus' } }],
  };
}

/** Writes each file of `files` into `dir` (created if need be), each replaced in one rename. */
export function writeTargetFiles(dir: string, files: TargetFiles): void {
  mkdirSync(dir, { recursive: true });
  for (const [name, groups] of Object.entries(files)) {
    const path = join(dir, name);
    writeFileSync(`${path}.next`, `${JSON.stringify(groups, null, 2)}\n`);
    renameSync(`${path}.next`, path);
  }
}
