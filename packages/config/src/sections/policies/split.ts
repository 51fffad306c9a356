/**
 * A traffic split: requests shared between backends by weight (Gateway API `backendRefs`,
 * weight 1 when not given). Backends are services of the file; the cross-checks make sure.
 */
import type { SplitBackendConfig } from '@fusion/mesh-types';
import type { Node } from 'yaml';
import {
  array,
  int,
  nodeAt,
  object,
  optional,
  required,
  type Schema,
  string,
  transform,
} from '../../schema/index.ts';
import { dnsLabel } from '../names.ts';

const backend = object({
  backend: required(string(dnsLabel)),
  weight: optional(int(0, 1_000_000)),
});

export const split: Schema<SplitBackendConfig[]> = transform(
  array(backend, { nonEmpty: true }),
  (backends, node: Node | undefined, at) => {
    let ok = true;
    const seen = new Map<string, number>();
    backends.forEach(({ backend: name }, i) => {
      const first = seen.get(name);
      if (first === undefined) {
        seen.set(name, i);
        return;
      }
      const reason = `backend '${name}' is already in the split at [${first}]; give it one weight`;
      at.index(i)
        .key('backend')
        .error(nodeAt(node, [i, 'backend']), reason);
      ok = false;
    });
    if (backends.every((b) => (b.weight ?? 1) === 0)) {
      at.error(node, 'every weight is 0, so no request could go anywhere');
      ok = false;
    }
    return ok ? backends : undefined;
  },
);
