/**
 * Session affinity: keep a client on one replica, keyed by a header the client sends or by a
 * cookie the proxy sets (Istio's consistent-hash `httpHeaderName` / `httpCookie`). Linkerd has
 * no such setting; its balancer (P2C over peak-EWMA) picks per request.
 */
import type { SessionAffinityConfig } from '@fusion/mesh-types';
import {
  duration,
  object,
  oneKeyOf,
  optional,
  required,
  type Schema,
  string,
  transform,
} from '../../schema/index.ts';
import { headerName } from '../names.ts';

const cookie = transform(
  object({
    // Cookie names follow the same token rule as header names (RFC 6265).
    name: required(string(headerName)),
    ttl: optional(duration({ min: 1_000 })),
  }),
  ({ name, ttl }) => (ttl === undefined ? { name } : { name, ttlMs: ttl }),
);

export const sessionAffinity: Schema<SessionAffinityConfig> = oneKeyOf({
  header: string(headerName),
  cookie,
});
