/**
 * fusion.yaml's `rateLimits` for one service, as its inbound sidecar applies them (Linkerd's
 * HTTPLocalRateLimitPolicy): a request passes when the total limit and its caller's own limit
 * (an override's, or the per-identity one; callers without an identity share one) both let it,
 * and only then counts against both. Otherwise it is refused with how long to wait.
 */
import type { ClientMatch, RateLimitPolicy } from '@fusion/mesh-types';
import { clientMatches } from '../authz/decide.ts';
import { DEFAULT_MAX_KEYS, KeyedLimit, SharedLimit } from './gcra.ts';

export type LimitScope = 'total' | 'identity' | 'override';

export type Verdict = { readonly allowed: true } | RateLimited;

export interface RateLimited {
  readonly allowed: false;
  readonly scope: LimitScope;
  readonly waitMs: number;
}

const ALLOWED: Verdict = { allowed: true };
/** The key of every caller without a mesh identity (they share one limit). */
const UNAUTHENTICATED = '';

export class RateLimiter {
  readonly #total: SharedLimit | undefined;
  readonly #identity: KeyedLimit | undefined;
  /** Per identity named by an override: its own keyed limit, at the override's rate. */
  readonly #overrides = new Map<string, KeyedLimit>();
  /** Overrides naming `*` or `*.suffix`, tried in order when no exact name matched. */
  readonly #patterns: { readonly clients: ClientMatch; readonly limit: KeyedLimit }[] = [];

  constructor(policy: RateLimitPolicy, maxKeys = DEFAULT_MAX_KEYS) {
    this.#total = policy.total && new SharedLimit(policy.total);
    this.#identity = policy.identity && new KeyedLimit(policy.identity, maxKeys);
    for (const override of policy.overrides) {
      const limit = new KeyedLimit(override, maxKeys);
      const patterns = override.identities.filter((id) => id.startsWith('*'));
      if (patterns.length > 0) {
        this.#patterns.push({ clients: { identities: patterns, unauthenticated: false }, limit });
      }
      for (const identity of override.identities) {
        if (!identity.startsWith('*') && !this.#overrides.has(identity)) {
          this.#overrides.set(identity, limit);
        }
      }
    }
  }

  /** Decides for one request at `now` (ms, monotonic), and counts it if it passes. */
  admit(clientId: string | undefined, now: number): Verdict {
    const key = clientId ?? UNAUTHENTICATED;
    const override = clientId === undefined ? undefined : this.#overrideOf(clientId);
    const own = override ?? this.#identity;
    const ownWait = own?.waitMs(key, now) ?? 0;
    if (ownWait > 0)
      return { allowed: false, scope: override ? 'override' : 'identity', waitMs: ownWait };
    const totalWait = this.#total?.waitMs(now) ?? 0;
    if (totalWait > 0) return { allowed: false, scope: 'total', waitMs: totalWait };
    own?.take(key, now);
    this.#total?.take(now);
    return ALLOWED;
  }

  #overrideOf(clientId: string): KeyedLimit | undefined {
    const exact = this.#overrides.get(clientId);
    if (exact !== undefined || this.#patterns.length === 0) return exact;
    for (const { clients, limit } of this.#patterns) {
      if (clientMatches(clients, clientId)) return limit;
    }
    return undefined;
  }

  /** Caller keys held, for the memory bound's tests. */
  get keysHeld(): number {
    let held = this.#identity?.size ?? 0;
    const overrides = new Set([...this.#overrides.values(), ...this.#patterns.map((p) => p.limit)]);
    for (const limit of overrides) held += limit.size;
    return held;
  }
}
