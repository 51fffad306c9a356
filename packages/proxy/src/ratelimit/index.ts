export { type Clock, DEFAULT_MAX_KEYS, Gcra, KeyedLimit, SharedLimit } from './gcra.ts';
export { type RateLimitOptions, rateLimitLayer } from './layer.ts';
export { type LimitScope, type RateLimited, RateLimiter, type Verdict } from './limiter.ts';
