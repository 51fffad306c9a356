/**
 * Whether a request matches a route's `match` (Gateway API HTTPRoute semantics): every condition
 * given must hold; query parameters are parsed only for a match that names some. A prefix matches whole path segments (`/users` matches `/users` and
 * `/users/7`, not `/usersettings`); paths are compared without their query.
 */
import type { RouteMatch } from '@fusion/mesh-types';
import type { ProxyRequest } from '../http/message.ts';

export function matchesRoute(match: RouteMatch, request: ProxyRequest): boolean {
  if (match.method !== undefined && match.method !== request.method) return false;
  if (match.path !== undefined && !matchesPath(match.path, pathOnly(request.path))) return false;
  for (const { name, value } of match.headers) {
    if (request.headers.get(name) !== value) return false;
  }
  if (match.queryParams !== undefined && match.queryParams.length > 0) {
    const query = new URLSearchParams(queryOnly(request.path));
    for (const { name, value } of match.queryParams) {
      if (query.get(name) !== value) return false;
    }
  }
  return true;
}

function queryOnly(target: string): string {
  const query = target.indexOf('?');
  return query === -1 ? '' : target.slice(query + 1);
}

function matchesPath(rule: NonNullable<RouteMatch['path']>, path: string): boolean {
  if (rule.kind === 'exact') return path === rule.value;
  const prefix = rule.value.endsWith('/') ? rule.value.slice(0, -1) : rule.value;
  if (prefix === '') return true;
  return path === prefix || (path.startsWith(prefix) && path.charCodeAt(prefix.length) === 47);
}

function pathOnly(target: string): string {
  const query = target.indexOf('?');
  return query === -1 ? target : target.slice(0, query);
}
