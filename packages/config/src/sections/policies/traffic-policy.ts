/**
 * The seed's `trafficPolicies`, accepted exactly as the seed writes them (Istio-like
 * selectors, `tls.mode`, `retries.attempts`, `perTryTimeout`), and extended in the same place
 * with what a caller does on its way to a destination: a request timeout, retry conditions and
 * budget, routes matched on path, method and headers, traffic splits and session affinity.
 */
import type { TrafficPolicy, TrafficRulePolicy } from '@fusion/mesh-types';
import type { Node } from 'yaml';
import { formatDuration } from '../../duration.ts';
import {
  type At,
  array,
  duration,
  nodeAt,
  object,
  oneOf,
  optional,
  required,
  type Schema,
  transform,
} from '../../schema/index.ts';
import { sessionAffinity } from './affinity.ts';
import { mirror } from './mirror.ts';
import { retries, retryBudget } from './retries.ts';
import { routes } from './routes.ts';
import { blockHeader, destination } from './selector.ts';
import { split } from './split.ts';

export const TLS_MODES = ['DISABLE', 'SIMPLE', 'MUTUAL', 'ISTIO_MUTUAL'] as const;

/**
 * The seed's Istio modes, as they apply between sidecars, where every call is mutual TLS with
 * both identities verified (decision 0017): SIMPLE (the client verifies the server), MUTUAL and
 * ISTIO_MUTUAL (both verify each other) are all met by it, so they are accepted as promises the
 * mesh keeps. DISABLE asks for plaintext, which the mesh never sends: an error at its line, not
 * a setting quietly ignored.
 */
const tlsMode: Schema<(typeof TLS_MODES)[number]> = transform(
  oneOf(TLS_MODES),
  (mode, node, at) => {
    if (mode !== 'DISABLE') return mode;
    return at.error(
      node,
      'DISABLE would send plaintext between sidecars, and mesh traffic is always mutual TLS; use ISTIO_MUTUAL (or SIMPLE, MUTUAL: mesh mTLS meets each), or leave tls out',
    );
  },
);

/**
 * A per-try timeout as long as the whole request's leaves no time for a retry. Not an error
 * (the request still works), but nearly always a slip.
 */
function warnIfNoTimeToRetry(
  perTryMs: number | undefined,
  timeoutMs: number | undefined,
  node: Node | undefined,
  path: readonly (string | number)[],
  at: At,
): void {
  if (perTryMs === undefined || timeoutMs === undefined || perTryMs < timeoutMs) return;
  const target = path.reduce<At>(
    (a, step) => (typeof step === 'number' ? a.index(step) : a.key(step)),
    at,
  );
  target.warn(
    nodeAt(node, path),
    `perTryTimeout ${formatDuration(perTryMs)} is not below the request timeout ${formatDuration(timeoutMs)}, so no retry can start in time`,
  );
}

const rulePolicy: Schema<TrafficRulePolicy> = transform(
  object({
    tls: optional(object({ mode: required(tlsMode) })),
    timeout: optional(duration({ min: 1 })),
    retries: optional(retries),
    retryBudget: optional(retryBudget),
    routes: optional(routes),
    split: optional(split),
    sessionAffinity: optional(sessionAffinity),
    mirror: optional(mirror),
  }),
  ({ timeout, ...rest }, node, at): TrafficRulePolicy => {
    const policy: TrafficRulePolicy =
      timeout === undefined ? rest : { ...rest, timeoutMs: timeout };
    warnIfNoTimeToRetry(
      policy.retries?.perTryTimeoutMs,
      policy.timeoutMs,
      node,
      ['retries', 'perTryTimeout'],
      at,
    );
    policy.routes?.forEach((route, i) => {
      const perTry = (route.retries ?? policy.retries)?.perTryTimeoutMs;
      if (route.retries === undefined && route.timeoutMs === undefined) return;
      const where =
        route.retries?.perTryTimeoutMs === undefined ? ['timeout'] : ['retries', 'perTryTimeout'];
      warnIfNoTimeToRetry(
        perTry,
        route.timeoutMs ?? policy.timeoutMs,
        node,
        ['routes', i, ...where],
        at,
      );
    });
    return policy;
  },
);

const trafficRule = object({
  destination: required(destination),
  policy: required(rulePolicy),
});

export const trafficPolicy: Schema<TrafficPolicy> = object({
  ...blockHeader,
  // A policy without rules would do nothing, which is never what its author meant.
  policy: required(object({ traffic: required(array(trafficRule, { nonEmpty: true })) })),
});
