/**
 * Undoes the outbound proxy's upgrade (Linkerd's orig-proto): HTTP/1.1 requests cross the mesh
 * inside HTTP/2 marked `l5d-orig-proto: HTTP/1.1`, and must reach the app as HTTP/1.1 again,
 * without the marker. Requests that arrive over HTTP/2 unmarked were HTTP/2 from the start.
 */
import type { HttpHandler, ProxyRequest } from '../http/message.ts';
import { ORIG_PROTO_HEADER, withoutHeader } from '../http/message.ts';
import type { Layer } from '../stack/stack.ts';

/** Set by the outbound proxy on HTTP/1.1 requests it carries over HTTP/2. */

export function origProtoLayer(): Layer<HttpHandler> {
  return (inner) => (request) => inner(downgraded(request));
}

/** `request` as its original client sent it: the version restored, the marker removed. */
export function downgraded(request: ProxyRequest): ProxyRequest {
  if (!(ORIG_PROTO_HEADER in request.headers)) return request;
  const original = request.headers[ORIG_PROTO_HEADER];
  const headers = withoutHeader(request.headers, ORIG_PROTO_HEADER);
  // Only HTTP/1.x is ever carried this way; the marker means "speak HTTP/1.1 to the app".
  const wasHttp1 = String(original).toUpperCase().startsWith('HTTP/1');
  return {
    ...request,
    headers,
    ctx: wasHttp1 ? { ...request.ctx, originalVersion: 'HTTP/1.1' } : request.ctx,
  };
}
