/**
 * Who a rule is about, in the words people use: services by name (their mesh identities are
 * derived from the mesh settings), identity patterns for anything else, and callers without a
 * mesh certificate. Service names are checked against the file by the cross-checks.
 */
import type { ClientsConfig } from '@fusion/mesh-types';
import {
  array,
  bool,
  nonEmpty,
  object,
  optional,
  type Schema,
  string,
  transform,
} from '../../schema/index.ts';
import { identityPattern } from '../names.ts';

const CLIENT_KEYS = "'services', 'identities' or 'unauthenticated: true'";

function clientsSchema(allowUnauthenticated: boolean): Schema<ClientsConfig> {
  const shape = {
    services: optional(array(string(nonEmpty), { nonEmpty: true })),
    identities: optional(array(string(identityPattern), { nonEmpty: true })),
  };
  const keys = allowUnauthenticated ? CLIENT_KEYS : "'services' or 'identities'";
  const inner = allowUnauthenticated
    ? object({ ...shape, unauthenticated: optional(bool()) })
    : object(shape);
  return transform(
    inner,
    (clients: ClientsConfig, node, at) => {
      const some =
        clients.services !== undefined ||
        clients.identities !== undefined ||
        clients.unauthenticated === true;
      // A rule about nobody is always a mistake, most often a misspelt key.
      return some ? clients : at.error(node, `names no client; give ${keys}`);
    },
    'a mapping of clients',
  );
}

/** Authorization: any of the three. */
export const clients = clientsSchema(true);

/** Rate-limit overrides: identified clients only, since unauthenticated ones share a bucket. */
export const identifiedClients = clientsSchema(false);
