/**
 * `rateLimits`: Linkerd's HTTPLocalRateLimitPolicy for the selected services' inbound
 * proxies — a total rate, a rate per client identity, and overrides for particular clients.
 * Local to each proxy, GCRA; `burst` is how many requests may come at once above the steady
 * rate, by default one second's worth (Linkerd's fixed 1 s tolerance).
 */
import type { RateConfig, RateLimitBlock } from '@fusion/mesh-types';
import type { Node } from 'yaml';
import {
  type At,
  array,
  int,
  nodeAt,
  object,
  optional,
  required,
  type Schema,
  transform,
} from '../../schema/index.ts';
import { identifiedClients } from './clients.ts';
import { blockHeader } from './selector.ts';

const rate = {
  requestsPerSecond: required(int(1)),
  burst: optional(int(1)),
};

const override = object({ ...rate, clients: required(identifiedClients) });

type Policy = RateLimitBlock['policy'];

/** Linkerd refuses a per-identity or override limit above the total: it could never apply. */
function checkBelowTotal(policy: Policy, node: Node | undefined, at: At): boolean {
  const total = policy.total?.requestsPerSecond;
  if (total === undefined) return true;
  const limits: [RateConfig, (string | number)[]][] = [
    ...(policy.identity === undefined ? [] : [[policy.identity, ['identity']] as const]),
    ...(policy.overrides ?? []).map((o, i) => [o, ['overrides', i]] as const),
  ].map(([limit, path]) => [limit, [...path]]);
  let ok = true;
  for (const [limit, path] of limits) {
    if (limit.requestsPerSecond <= total) continue;
    const steps = [...path, 'requestsPerSecond'];
    const target = steps.reduce<At>(
      (a, step) => (typeof step === 'number' ? a.index(step) : a.key(step)),
      at,
    );
    target.error(
      nodeAt(node, steps),
      `${limit.requestsPerSecond} is above the total limit of ${total} requests per second`,
    );
    ok = false;
  }
  return ok;
}

const policy: Schema<Policy> = transform(
  object({
    total: optional(object(rate)),
    identity: optional(object(rate)),
    overrides: optional(array(override, { nonEmpty: true })),
  }),
  (p, node, at) => {
    if (p.total === undefined && p.identity === undefined && p.overrides === undefined) {
      return at.error(node, "give 'total', 'identity', 'overrides' or several");
    }
    return checkBelowTotal(p, node, at) ? p : undefined;
  },
);

export const rateLimit: Schema<RateLimitBlock> = object({
  ...blockHeader,
  policy: required(policy),
});
