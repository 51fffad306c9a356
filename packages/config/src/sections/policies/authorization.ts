/**
 * `authorizationPolicies`: which clients may call the selected services, on which routes
 * (Linkerd's Server + AuthorizationPolicy + MeshTLSAuthentication, in one block). Once any
 * block selects a service, a request no rule admits gets `default`, which is `deny` unless
 * written: naming who may call means everyone else may not, as with a Linkerd Server.
 */
import type { AuthorizationPolicyBlock } from '@fusion/mesh-types';
import {
  array,
  object,
  oneOf,
  optional,
  required,
  type Schema,
  transform,
} from '../../schema/index.ts';
import { INBOUND_POLICIES } from '../settings.ts';
import { clients } from './clients.ts';
import { routeMatch } from './match.ts';
import { blockHeader } from './selector.ts';

const rule = object({
  clients: required(clients),
  routes: optional(array(routeMatch, { nonEmpty: true })),
});

const authorization = transform(
  object({
    default: optional(oneOf(INBOUND_POLICIES)),
    allow: optional(array(rule, { nonEmpty: true })),
  }),
  (policy, node, at) =>
    policy.default === undefined && policy.allow === undefined
      ? // Empty would silently mean "deny everyone"; that must be written as `default: deny`.
        at.error(node, "give 'allow' (who may call), 'default' (for everyone else), or both")
      : policy,
);

export const authorizationPolicy: Schema<AuthorizationPolicyBlock> = object({
  ...blockHeader,
  policy: required(authorization),
});
