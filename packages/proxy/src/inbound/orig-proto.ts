/**
 * Undoes the outbound proxy's upgrade (Linkerd's orig-proto): HTTP/1.1 requests cross the mesh
 * inside HTTP/2 marked `l5d-orig-proto: HTTP/1.1`, and must reach the app as HTTP/1.1 again,
 * without the marker. Requests that arrive over HTTP/2 unmarked were HTTP/2 from the start.
 */
import type { HttpHandler, ProxyRequest } from '../http/message.ts';
import { ORIG_PROTO_HEADER } from '../http/message.ts';
import type { Layer } from '../stack/stack.ts';

/** Set by the outbound proxy on HTTP/1.1 requests it carries over HTTP/2. */

export function origProtoLayer(): Layer<HttpHandler> {
  return (inner) => (request) => inner(downgraded(request));
}

/** `request` as its original client sent it: the version restored, the marker removed. */
export function downgraded(request: ProxyRequest): ProxyRequest {
  const original = request.headers.get(ORIG_PROTO_HEADER);
  if (original === undefined) return request;
  request.headers.delete(ORIG_PROTO_HEADER);
  // Only HTTP/1.x is ever carried this way; the marker means "speak HTTP/1.1 to the app".
  const wasHttp1 = original.toUpperCase().startsWith('HTTP/1');
  return wasHttp1 ? { ...request, ctx: { ...request.ctx, originalVersion: 'HTTP/1.1' } } : request;
}
