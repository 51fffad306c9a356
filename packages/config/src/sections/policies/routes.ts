/**
 * Routes of a destination: header routing, and per-route timeouts, retries and splits. They
 * are tried in file order and the first that matches takes the request; a request none
 * matches takes the destination's own settings, compiled as the route named `default`.
 */
import type { RouteConfig } from '@fusion/mesh-types';
import type { Node } from 'yaml';
import { DEFAULT_ROUTE } from '../../compile/defaults.ts';
import {
  array,
  duration,
  nodeAt,
  nonEmpty,
  object,
  optional,
  required,
  type Schema,
  string,
  transform,
} from '../../schema/index.ts';
import { routeMatch } from './match.ts';
import { mirror } from './mirror.ts';
import { retries } from './retries.ts';
import { split } from './split.ts';

const route = transform(
  object({
    name: required(string(nonEmpty)),
    match: required(routeMatch),
    timeout: optional(duration({ min: 1 })),
    retries: optional(retries),
    split: optional(split),
    mirror: optional(mirror),
  }),
  ({ timeout, ...rest }): RouteConfig =>
    timeout === undefined ? rest : { ...rest, timeoutMs: timeout },
);

export const routes: Schema<RouteConfig[]> = transform(
  array(route, { nonEmpty: true }),
  (found, node: Node | undefined, at) => {
    let ok = true;
    const seen = new Map<string, number>();
    found.forEach(({ name }, i) => {
      const nameAt = at.index(i).key('name');
      const nameNode = nodeAt(node, [i, 'name']);
      const first = seen.get(name);
      if (name === DEFAULT_ROUTE) {
        nameAt.error(
          nameNode,
          `'${DEFAULT_ROUTE}' names the route of every request no route matches; choose another name`,
        );
        ok = false;
      } else if (first !== undefined) {
        nameAt.error(nameNode, `route name '${name}' is already used by [${first}]`);
        ok = false;
      } else {
        seen.set(name, i);
      }
    });
    return ok ? found : undefined;
  },
);
