/**
 * Session affinity for a destination (fusion.yaml `sessionAffinity`): the request's key — a
 * header's value, or a cookie's — goes down to the balancer, which sends the same key to the same
 * endpoint while that endpoint is healthy (balancer.ts, rendezvous hashing). With a cookie and a
 * request that has none, the sidecar makes a key and sets the cookie on the response (`ttl` as
 * its Max-Age), so the caller's next requests carry it. Without a key, the balancer chooses as
 * usual. Costs a header lookup per request where configured, and nothing elsewhere.
 */
import { randomUUID } from 'node:crypto';
import type { SessionAffinity } from '@fusion/mesh-types';
import type { HttpHandler } from '../http/message.ts';

export function affinityLayer(affinity: SessionAffinity, inner: HttpHandler): HttpHandler {
  if (affinity.kind === 'header') {
    const name = affinity.name.toLowerCase();
    return (request) => {
      const key = request.headers.get(name);
      return inner(key === undefined ? request : { ...request, affinityKey: key });
    };
  }
  const { name, ttlMs } = affinity;
  return (request) => {
    const key = cookieValue(request.headers.getAll('cookie'), name);
    if (key !== undefined) return inner({ ...request, affinityKey: key });
    const made = randomUUID();
    return inner({ ...request, affinityKey: made }).then((response) => {
      const maxAge = ttlMs === undefined ? '' : `; Max-Age=${Math.floor(ttlMs / 1000)}`;
      response.headers.append('set-cookie', `${name}=${made}; Path=/; HttpOnly${maxAge}`);
      return response;
    });
  };
}

/** The value of cookie `name` in `Cookie` headers (RFC 6265 §5.4: `a=1; b=2`), if present. */
export function cookieValue(headers: readonly string[], name: string): string | undefined {
  for (const header of headers) {
    for (const pair of header.split(';')) {
      const at = pair.indexOf('=');
      if (at === -1) continue;
      if (pair.slice(0, at).trim() === name) return pair.slice(at + 1).trim();
    }
  }
  return undefined;
}
