/**
 * The whole file: the top-level sections, then the cross-checks over what validated, then
 * the FusionConfig, which exists only when nothing at all was wrong.
 */
import type { FusionConfig, ServiceConfig } from '@fusion/mesh-types';
import type { Node } from 'yaml';
import { checkCompiledPolicies, crossCheck } from '../cross-checks/index.ts';
import {
  At,
  type Context,
  lenientArray,
  mismatch,
  nodeAt,
  readObject,
  required,
  type Schema,
  scalarValue,
  schema,
  section,
  withDefault,
} from '../schema/index.ts';
import {
  authorizationPolicy,
  circuitBreaker,
  faultInjection,
  rateLimit,
  trafficPolicy,
} from './policies/index.ts';
import { services } from './services.ts';
import { controlPlane, infrastructure, logging, mesh, observability } from './settings.ts';

const VERSION = 'the number 1';

const version: Schema<1> = schema(VERSION, (node, at) =>
  scalarValue(node) === 1 ? 1 : mismatch(node, at, VERSION, '; 1 is the only version so far'),
);

const rootShape = {
  version: required(version),
  mesh: section(mesh),
  infrastructure: section(infrastructure),
  controlPlane: section(controlPlane),
  observability: section(observability),
  logging: section(logging),
  services: required(services),
  trafficPolicies: withDefault(lenientArray(trafficPolicy), []),
  circuitBreakers: withDefault(lenientArray(circuitBreaker), []),
  authorizationPolicies: withDefault(lenientArray(authorizationPolicy), []),
  rateLimits: withDefault(lenientArray(rateLimit), []),
  faultInjections: withDefault(lenientArray(faultInjection), []),
};

/** Validates a parsed document, reporting into `ctx`; the config only if all is well. */
export function validateDocument(contents: Node | null, ctx: Context): FusionConfig | undefined {
  const root = readObject(rootShape, ctx.resolve(contents), new At(ctx, ''), { noun: 'section' });
  if (root === undefined) return undefined;
  const v = root.values;
  const drafts = v.services ?? [];
  const reserved = (path: string, owner: string, port: number | undefined) =>
    port === undefined ? [] : [{ port, owner, path, node: nodeAt(root.map, path.split('.')) }];
  crossCheck(
    {
      services: drafts,
      reserved: [
        ...reserved(
          'infrastructure.postgres.embedded.port',
          'the embedded postgres',
          v.infrastructure?.postgres.embeddedPort,
        ),
        ...reserved(
          'controlPlane.identity.port',
          'the identity service',
          v.controlPlane?.identityPort,
        ),
        ...reserved(
          'controlPlane.destination.port',
          'the destination service',
          v.controlPlane?.destinationPort,
        ),
        ...reserved(
          'controlPlane.adminPort',
          'the control-plane admin listener',
          v.controlPlane?.adminPort,
        ),
        ...reserved('controlPlane.api.port', 'the public API', v.controlPlane?.apiPort),
        ...(v.observability?.tracing.collector !== undefined
          ? []
          : reserved(
              'observability.tracing.receiverPort',
              'the trace receiver',
              v.observability?.tracing.receiverPort,
            )),
        ...(v.observability?.prometheus.enabled === false
          ? []
          : reserved(
              'observability.prometheus.port',
              'Prometheus',
              v.observability?.prometheus.port,
            )),
      ],
      trafficPolicies: v.trafficPolicies ?? [],
      circuitBreakers: v.circuitBreakers ?? [],
      authorizationPolicies: v.authorizationPolicies ?? [],
      rateLimits: v.rateLimits ?? [],
      faultInjections: v.faultInjections ?? [],
    },
    ctx,
  );
  const configs = drafts.map((d) => d.config);
  if (ctx.errorCount > 0 || !root.complete || !configs.every((c) => c !== undefined)) {
    return undefined;
  }
  const config: FusionConfig = {
    version: 1,
    mesh: v.mesh!,
    infrastructure: v.infrastructure!,
    controlPlane: v.controlPlane!,
    observability: v.observability!,
    logging: v.logging!,
    services: Object.fromEntries(configs.map((c): [string, ServiceConfig] => [c.name, c])),
    trafficPolicies: v.trafficPolicies!.map((p) => p.value),
    circuitBreakers: v.circuitBreakers!.map((c) => c.value),
    authorizationPolicies: v.authorizationPolicies!.map((a) => a.value),
    rateLimits: v.rateLimits!.map((r) => r.value),
    faultInjections: v.faultInjections!.map((f) => f.value),
  };
  return checkCompiledPolicies(config, root.map, ctx) ? config : undefined;
}
