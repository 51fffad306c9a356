/**
 * The authorization decision for one request, with Linkerd's semantics: a request is admitted by
 * the first rule whose clients include the caller and whose routes (if any) match the request;
 * otherwise the default policy decides. What decided is named, for the metrics' `authz_name`,
 * the 403's reason and the audit log.
 *
 * Defaults (Linkerd's `proxy.defaultInboundPolicy` values):
 * - `deny`: nobody;
 * - `all-authenticated`: any caller with a mesh identity;
 * - `all-unauthenticated`: anybody;
 * - `cluster-authenticated`: a caller with a mesh identity from the cluster's networks;
 * - `cluster-unauthenticated`: anybody from the cluster's networks;
 * - `audit`: anybody, flagged as audit.
 * The external gateway exists for callers from outside the mesh: there a default other than
 * `deny` admits everyone, so the mesh-wide `all-authenticated` cannot lock the public out.
 */
import {
  type AuthorizationRule,
  type ClientMatch,
  type InboundAuthorization,
  type InboundDefaultPolicy,
  identityMatches,
} from '@fusion/mesh-types';
import type { ProxyRequest } from '../http/message.ts';
import { isClusterAddress } from '../inbound/admission.ts';
import { matchesRoute } from '../route/match.ts';

export interface Decision {
  readonly allowed: boolean;
  /** What decided: a rule (`identity-callers[0]`) or `default:<policy>`; Linkerd's `authz_name`. */
  readonly by: string;
}

/** The caller as the connection showed it. */
export interface Caller {
  readonly clientId: string | undefined;
  readonly peerAddress?: string | undefined;
}

/** Decisions are shared objects: a request allocates none. */
const DECISIONS = new Map<string, Decision>();
function decision(allowed: boolean, by: string): Decision {
  const key = `${allowed ? '+' : '-'}${by}`;
  let known = DECISIONS.get(key);
  if (known === undefined) {
    known = { allowed, by };
    DECISIONS.set(key, known);
  }
  return known;
}

export function clientMatches(clients: ClientMatch, clientId: string | undefined): boolean {
  if (clientId === undefined) return clients.unauthenticated;
  for (const pattern of clients.identities) if (identityMatches(pattern, clientId)) return true;
  return false;
}

function ruleAdmits(rule: AuthorizationRule, caller: Caller, request: ProxyRequest): boolean {
  if (!clientMatches(rule.clients, caller.clientId)) return false;
  return rule.routes.length === 0 || rule.routes.some((route) => matchesRoute(route, request));
}

export function defaultAdmits(
  policy: InboundDefaultPolicy,
  caller: Caller,
  external: boolean,
): boolean {
  if (policy === 'deny') return false;
  if (external) return true;
  switch (policy) {
    case 'all-unauthenticated':
    case 'audit':
      return true;
    case 'all-authenticated':
      return caller.clientId !== undefined;
    case 'cluster-authenticated':
      return caller.clientId !== undefined && isClusterAddress(caller.peerAddress);
    case 'cluster-unauthenticated':
      return isClusterAddress(caller.peerAddress);
  }
}

/**
 * The decision for `request` from `caller`. Rules are tried in order and only their clients
 * looked at first, so a service with a handful of rules pays a few string comparisons.
 */
export function decide(
  authorization: InboundAuthorization,
  caller: Caller,
  request: ProxyRequest,
  external: boolean,
): Decision {
  for (const rule of authorization.rules) {
    if (ruleAdmits(rule, caller, request)) return decision(true, rule.name);
  }
  const policy = authorization.defaultPolicy;
  return decision(defaultAdmits(policy, caller, external), `default:${policy}`);
}

/**
 * The decision for an opaque TCP connection, made once after its handshake: only rules without
 * routes can admit it, since a route describes HTTP requests the connection does not carry.
 */
export function decideConnection(
  authorization: InboundAuthorization,
  caller: Caller,
  external: boolean,
): Decision {
  for (const rule of authorization.rules) {
    if (rule.routes.length === 0 && clientMatches(rule.clients, caller.clientId)) {
      return decision(true, rule.name);
    }
  }
  const policy = authorization.defaultPolicy;
  return decision(defaultAdmits(policy, caller, external), `default:${policy}`);
}
