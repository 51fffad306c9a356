/**
 * Whether a request matches a route's `match` (Gateway API HTTPRoute semantics): every condition
 * given must hold; query parameters are parsed only for a match that names some. A prefix
 * matches whole path segments (`/users` matches `/users` and `/users/7`, not `/usersettings`);
 * paths are compared without their query.
 *
 * A route table compiles each match once (`compileMatch`): the conditions it has become a short
 * list of checks, cheapest first, and the request's path is cut from its query once per request,
 * not once per route — a table of 50 routes is walked on every request.
 */
import type { RouteMatch } from '@fusion/mesh-types';
import type { ProxyRequest } from '../http/message.ts';

/** A compiled match: `path` is the request's path without its query. */
export type Matcher = (request: ProxyRequest, path: string) => boolean;

export function compileMatch(match: RouteMatch): Matcher {
  const checks: Matcher[] = [];
  const { method, headers, queryParams } = match;
  if (method !== undefined) checks.push((request) => request.method === method);
  if (match.path !== undefined) checks.push(pathCheck(match.path));
  for (const { name, value } of headers) {
    checks.push((request) => request.headers.get(name) === value);
  }
  if (queryParams !== undefined && queryParams.length > 0) {
    checks.push((request) => {
      const query = new URLSearchParams(queryOnly(request.path));
      return queryParams.every(({ name, value }) => query.get(name) === value);
    });
  }
  if (checks.length === 0) return () => true;
  if (checks.length === 1) return checks[0]!;
  return (request, path) => {
    for (const check of checks) if (!check(request, path)) return false;
    return true;
  };
}

export function matchesRoute(match: RouteMatch, request: ProxyRequest): boolean {
  return compileMatch(match)(request, pathOnly(request.path));
}

/** The request target without its query. */
export function pathOnly(target: string): string {
  const query = target.indexOf('?');
  return query === -1 ? target : target.slice(0, query);
}

function pathCheck(rule: NonNullable<RouteMatch['path']>): Matcher {
  const wanted = rule.value;
  if (rule.kind === 'exact') return (_request, path) => path === wanted;
  const prefix = wanted.endsWith('/') ? wanted.slice(0, -1) : wanted;
  if (prefix === '') return () => true;
  return (_request, path) =>
    path === prefix || (path.startsWith(prefix) && path.charCodeAt(prefix.length) === 47);
}

function queryOnly(target: string): string {
  const query = target.indexOf('?');
  return query === -1 ? '' : target.slice(query + 1);
}
