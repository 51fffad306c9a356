/** Request matches as the proxy reads them: header names lower-cased, paths tagged by kind. */
import type { RouteMatch, RouteMatchConfig } from '@fusion/mesh-types';

export const MATCH_EVERYTHING: RouteMatch = { headers: [] };

export function compileMatch(match: RouteMatchConfig): RouteMatch {
  const path = match.path;
  return {
    ...(path === undefined
      ? {}
      : {
          path:
            'prefix' in path
              ? { kind: 'prefix', value: path.prefix }
              : { kind: 'exact', value: path.exact },
        }),
    ...(match.method === undefined ? {} : { method: match.method }),
    headers: Object.entries(match.headers ?? {}).map(([name, value]) => ({
      name: name.toLowerCase(),
      value,
    })),
    ...(match.queryParams && {
      queryParams: Object.entries(match.queryParams).map(([name, value]) => ({ name, value })),
    }),
  };
}
