/**
 * `faultInjections`: the selected services' inbound proxies fail or delay a share of the
 * requests they receive, for testing how callers cope (Istio's HTTPFaultInjection names;
 * Linkerd's failure-injector filter does the abort half).
 */
import type { FaultInjectionBlock } from '@fusion/mesh-types';
import {
  array,
  decimal,
  duration,
  int,
  nonEmpty,
  object,
  optional,
  required,
  type Schema,
  string,
  transform,
} from '../../schema/index.ts';
import { clients } from './clients.ts';
import { routeMatch } from './match.ts';
import { blockHeader } from './selector.ts';

const percentage = required(decimal(0, 100));

const abort = object({ percentage, httpStatus: required(int(400, 599)) });

const delay = transform(
  object({ percentage, fixedDelay: required(duration({ min: 1 })) }),
  ({ percentage: share, fixedDelay }) => ({ percentage: share, fixedDelayMs: fixedDelay }),
);

const policy = transform(
  object({
    abort: optional(abort),
    delay: optional(delay),
    // One replica failing while its siblings answer is what retries and failure accrual are for.
    instances: optional(array(string(nonEmpty), { nonEmpty: true })),
    routes: optional(array(routeMatch, { nonEmpty: true })),
    clients: optional(clients),
  }),
  (p, node, at) =>
    p.abort === undefined && p.delay === undefined
      ? at.error(node, "give 'abort', 'delay' or both")
      : p,
);

export const faultInjection: Schema<FaultInjectionBlock> = object({
  ...blockHeader,
  policy: required(policy),
});
