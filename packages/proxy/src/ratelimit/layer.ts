/**
 * The rate limit in the inbound stack, after authorization: a request beyond the service's
 * `rateLimits` gets 429 with `Retry-After` (RESOURCE_EXHAUSTED for gRPC) and the connection is
 * kept. The limiter is rebuilt when the pushed policy changes (its counts start afresh); without
 * a policy the layer costs one call and a comparison. Refusals are counted with Linkerd's
 * `inbound_http_local_ratelimit_total` and recorded in the audit log.
 */
import type { RateLimitPolicy } from '@fusion/mesh-types';
import type { Registry } from '@fusion/telemetry';
import type { Audit } from '../audit/index.ts';
import { ProxyError } from '../errors/proxy-error.ts';
import type { HttpHandler } from '../http/message.ts';
import type { Layer } from '../stack/stack.ts';
import { type Clock, DEFAULT_MAX_KEYS } from './gcra.ts';
import { RateLimiter } from './limiter.ts';

export interface RateLimitOptions {
  /** The service's rate limit as pushed now; undefined: none. */
  readonly policy: () => RateLimitPolicy | undefined;
  readonly registry: Registry;
  readonly audit?: Audit;
  /** Milliseconds, monotonic; performance.now by default. */
  readonly now?: Clock;
  readonly maxKeys?: number;
}

const perRegistry = new WeakMap<Registry, ReturnType<typeof newMetric>>();

export function rateLimitLayer(options: RateLimitOptions): Layer<HttpHandler> {
  const now = options.now ?? (() => performance.now());
  const { audit } = options;
  let metric = perRegistry.get(options.registry);
  if (metric === undefined) {
    metric = newMetric(options.registry);
    perRegistry.set(options.registry, metric);
  }
  const limited = metric;
  let policy: RateLimitPolicy | undefined;
  let limiter: RateLimiter | undefined;
  return (inner) => (request) => {
    const current = options.policy();
    if (current === undefined) return inner(request);
    if (current !== policy) {
      policy = current;
      limiter = new RateLimiter(current, options.maxKeys ?? DEFAULT_MAX_KEYS);
    }
    const verdict = (limiter as RateLimiter).admit(request.ctx.clientId, now());
    if (verdict.allowed) return inner(request);
    limited.labels(verdict.scope).inc();
    const retryAfterSeconds = Math.max(1, Math.ceil(verdict.waitMs / 1000));
    const reason = `the ${verdict.scope} rate limit is reached; retry in ${Math.ceil(verdict.waitMs)} ms`;
    audit?.request(request, 'deny', `ratelimit:${verdict.scope}`, reason);
    return Promise.reject(new ProxyError('RATE_LIMITED', reason, { retryAfterSeconds }));
  };
}

function newMetric(registry: Registry) {
  return registry.counter({
    name: 'inbound_http_local_ratelimit_total',
    help: "Requests refused (429) by the service's rateLimits, by the limit that refused them.",
    labelNames: ['ratelimit_scope'],
  });
}
