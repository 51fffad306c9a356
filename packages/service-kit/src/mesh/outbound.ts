/**
 * Sending through the local outbound proxy. The proxy routes on the Host header, and the global
 * fetch always derives Host from the URL, so this path uses node:http and hands back a web
 * Response so callers cannot tell the two paths apart.
 */
import http from 'node:http';
import { Readable } from 'node:stream';

/** Sends `request` to `proxy` (origin-form path) with `Host: <authority>`. */
export function sendViaProxy(
  agent: http.Agent,
  proxy: URL,
  authority: string,
  request: Request,
  signal: AbortSignal,
): Promise<Response> {
  const url = new URL(request.url);
  const headers: Record<string, string> = {};
  for (const [name, value] of request.headers) headers[name] = value;
  headers.host = authority;

  return new Promise((resolve, reject) => {
    const outgoing = http.request(
      {
        agent,
        hostname: proxy.hostname,
        port: proxy.port || 80,
        method: request.method,
        path: `${url.pathname}${url.search}`,
        headers,
        signal,
      },
      (incoming) => resolve(toResponse(incoming, request.method)),
    );
    outgoing.on('error', reject);
    if (request.body === null) outgoing.end();
    else Readable.fromWeb(request.body as never).pipe(outgoing);
  });
}

function toResponse(incoming: http.IncomingMessage, method: string): Response {
  const headers = new Headers();
  const raw = incoming.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) headers.append(raw[i]!, raw[i + 1]!);
  const status = incoming.statusCode ?? 502;
  // These responses have no body, and the Response constructor refuses one.
  const bodiless = method === 'HEAD' || status === 204 || status === 205 || status === 304;
  if (bodiless) incoming.resume();
  const body = bodiless ? null : (Readable.toWeb(incoming) as unknown as ReadableStream);
  return new Response(body, { status, statusText: incoming.statusMessage ?? '', headers });
}
