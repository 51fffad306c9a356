/**
 * Tells the app who called: the verified identity of the peer proxy goes in Linkerd's
 * `l5d-client-id` header. Apps trust that header, so whatever a caller sent under that name is
 * removed first; only the mTLS handshake may speak for a caller.
 */
import type { HttpHandler, ProxyRequest } from '../http/message.ts';
import type { Layer } from '../stack/stack.ts';

/** Linkerd's header for the caller's mesh identity, as the app sees it. */
export const CLIENT_ID_HEADER = 'l5d-client-id';

export function clientIdLayer(): Layer<HttpHandler> {
  return (inner) => (request) => inner(withClientId(request));
}

/** `request` with `l5d-client-id` set to its verified caller, or absent when there is none. */
export function withClientId(request: ProxyRequest): ProxyRequest {
  const clientId = request.ctx.clientId;
  // In place: the request's fields are this layer's to edit before it passes them on.
  if (clientId === undefined) request.headers.delete(CLIENT_ID_HEADER);
  else request.headers.set(CLIENT_ID_HEADER, clientId);
  return request;
}
