/**
 * Services named inside policy blocks — split and mirror backends, authorized clients, rate-limit
 * overrides — must be services of the file: a misspelt name would split traffic to nowhere or
 * authorize an identity nobody holds, and both fail only at run time.
 */
import type {
  AuthorizationPolicyBlock,
  MirrorConfig,
  RateLimitBlock,
  SplitBackendConfig,
  TrafficPolicy,
} from '@fusion/mesh-types';
import { At, type Context, type Located, nodeAt } from '../schema/index.ts';
import type { ServiceDraft } from '../sections/services.ts';
import { suggestion } from '../suggest.ts';

type Steps = (string | number)[];

/** A service name inside a block, by its path within the block. */
interface NameRef {
  readonly name: string;
  readonly path: Steps;
}

function splitRefs(split: readonly SplitBackendConfig[] | undefined, base: Steps): NameRef[] {
  return (split ?? []).map((b, i) => ({ name: b.backend, path: [...base, 'split', i, 'backend'] }));
}

function mirrorRefs(mirror: MirrorConfig | undefined, base: Steps): NameRef[] {
  return mirror ? [{ name: mirror.backend, path: [...base, 'mirror', 'backend'] }] : [];
}

export function trafficPolicyRefs(policy: TrafficPolicy): NameRef[] {
  return policy.policy.traffic.flatMap((rule, i) => {
    const base: Steps = ['policy', 'traffic', i, 'policy'];
    return [
      ...splitRefs(rule.policy.split, base),
      ...mirrorRefs(rule.policy.mirror, base),
      ...(rule.policy.routes ?? []).flatMap((r, j) => [
        ...splitRefs(r.split, [...base, 'routes', j]),
        ...mirrorRefs(r.mirror, [...base, 'routes', j]),
      ]),
    ];
  });
}

function clientRefs(services: readonly string[] | undefined, base: Steps): NameRef[] {
  return (services ?? []).map((name, i) => ({ name, path: [...base, 'clients', 'services', i] }));
}

export function authorizationRefs(policy: AuthorizationPolicyBlock): NameRef[] {
  return (policy.policy.allow ?? []).flatMap((rule, i) =>
    clientRefs(rule.clients.services, ['policy', 'allow', i]),
  );
}

export function rateLimitRefs(policy: RateLimitBlock): NameRef[] {
  return (policy.policy.overrides ?? []).flatMap((o, i) =>
    clientRefs(o.clients.services, ['policy', 'overrides', i]),
  );
}

export function checkServiceRefs<T>(
  blocks: readonly Located<T>[],
  refs: (block: T) => NameRef[],
  services: readonly ServiceDraft[],
  ctx: Context,
): void {
  const names = services.map((s) => s.name);
  for (const block of blocks) {
    for (const { name, path } of refs(block.value)) {
      if (names.includes(name)) continue;
      const dotted = path.map((step) => (typeof step === 'number' ? `[${step}]` : `.${step}`));
      new At(ctx, `${block.path}${dotted.join('')}`).error(
        nodeAt(block.node, path),
        `unknown service '${name}'${suggestion(name, names, 'known services')}`,
      );
    }
  }
}
