/**
 * Which requests a route or an authorization rule covers: path (prefix or exact), method, exact
 * header values and exact query parameters, all of which must hold. Gateway API's HTTPRouteMatch, without regular
 * expressions: a prefix or an exact path covers what people route on, and cannot be slow.
 */
import type { HttpMethod, RouteMatchConfig } from '@fusion/mesh-types';
import type { YAMLMap } from 'yaml';
import {
  keyNodeOf,
  object,
  oneKeyOf,
  oneOf,
  optional,
  record,
  type Schema,
  string,
  transform,
} from '../../schema/index.ts';
import { headerName, httpPath } from '../names.ts';

export const HTTP_METHODS: readonly HttpMethod[] = [
  'GET',
  'HEAD',
  'POST',
  'PUT',
  'DELETE',
  'CONNECT',
  'OPTIONS',
  'TRACE',
  'PATCH',
];

/**
 * A prefix matches whole path segments, as in the Gateway API: `/users` covers `/users` and
 * `/users/7`, not `/usersettings`.
 */
const path = oneKeyOf({ prefix: string(httpPath), exact: string(httpPath) });

/** Header names are case-insensitive, so `X-Canary` and `x-canary` are the same header. */
const headers = transform(record(string(), headerName), (found, node, at) => {
  const seen = new Map<string, string>();
  let ok = true;
  for (const name of Object.keys(found)) {
    const first = seen.get(name.toLowerCase());
    if (first !== undefined) {
      const reason = `header '${name}' is already matched as '${first}' (header names ignore case)`;
      at.key(name).error(keyNodeOf(node as YAMLMap, name), reason);
      ok = false;
    } else {
      seen.set(name.toLowerCase(), name);
    }
  }
  return ok ? found : undefined;
});

export const routeMatch: Schema<RouteMatchConfig> = transform(
  object({
    path: optional(path),
    method: optional(oneOf(HTTP_METHODS)),
    headers: optional(headers),
    queryParams: optional(record(string())),
  }),
  // Unchanged; wrapped only so that messages say what a match is.
  (m) => m,
  'a request match: path, method, headers and query parameters, all optional',
);
