/**
 * The whole file: the top-level sections, then the cross-checks over what validated, then
 * the FusionConfig, which exists only when nothing at all was wrong.
 */
import type { FusionConfig, ServiceConfig } from '@fusion/mesh-types';
import type { Node } from 'yaml';
import { crossCheck } from '../cross-checks/index.ts';
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
import { circuitBreaker, trafficPolicy } from './policies.ts';
import { services } from './services.ts';
import { infrastructure, logging, mesh } from './settings.ts';

const VERSION = 'the number 1';

const version: Schema<1> = schema(VERSION, (node, at) =>
  scalarValue(node) === 1 ? 1 : mismatch(node, at, VERSION, '; 1 is the only version so far'),
);

const rootShape = {
  version: required(version),
  mesh: section(mesh),
  infrastructure: section(infrastructure),
  logging: section(logging),
  services: required(services),
  trafficPolicies: withDefault(lenientArray(trafficPolicy), []),
  circuitBreakers: withDefault(lenientArray(circuitBreaker), []),
};

/** Validates a parsed document, reporting into `ctx`; the config only if all is well. */
export function validateDocument(contents: Node | null, ctx: Context): FusionConfig | undefined {
  const root = readObject(rootShape, ctx.resolve(contents), new At(ctx, ''), { noun: 'section' });
  if (root === undefined) return undefined;
  const v = root.values;
  const drafts = v.services ?? [];
  const postgresNode = nodeAt(root.map, ['infrastructure', 'postgres', 'embedded', 'port']);
  crossCheck(
    {
      services: drafts,
      postgres: v.infrastructure && {
        port: v.infrastructure.postgres.embeddedPort,
        node: postgresNode,
      },
      trafficPolicies: v.trafficPolicies ?? [],
      circuitBreakers: v.circuitBreakers ?? [],
    },
    ctx,
  );
  const configs = drafts.map((d) => d.config);
  if (ctx.errorCount > 0 || !root.complete || !configs.every((c) => c !== undefined)) {
    return undefined;
  }
  return {
    version: 1,
    mesh: v.mesh!,
    infrastructure: v.infrastructure!,
    logging: v.logging!,
    services: Object.fromEntries(configs.map((c): [string, ServiceConfig] => [c.name, c])),
    trafficPolicies: v.trafficPolicies!.map((p) => p.value),
    circuitBreakers: v.circuitBreakers!.map((c) => c.value),
  };
}
