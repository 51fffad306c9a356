/**
 * Sending through the local outbound proxy. The proxy routes on the Host header, and the global
 * fetch always derives Host from the URL, so this path uses node:http and hands back a web
 * Response so callers cannot tell the two paths apart.
 */
import http from 'node:http';
import { Readable } from 'node:stream';

/** Methods whose request, sent twice, does no more than once (RFC 9110 §9.2.2) — without a body. */
const RETRYABLE = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Sends `request` to `proxy` (origin-form path) with `Host: <authority>`. */
export async function sendViaProxy(
  agent: http.Agent,
  proxy: URL,
  authority: string,
  request: Request,
  signal: AbortSignal,
): Promise<Response> {
  try {
    return await sendOnce(agent, proxy, authority, request, signal);
  } catch (error) {
    // A kept-alive connection the sidecar closed as idle just as we reused it: the request
    // never reached it (Node's documented race, see `request.reusedSocket`). Once more, on a
    // fresh connection, when sending it twice is harmless.
    if (!(error instanceof StaleConnection)) throw error;
    if (request.body !== null || !RETRYABLE.has(request.method)) throw error.cause;
    return sendOnce(agent, proxy, authority, request, signal);
  }
}

class StaleConnection extends Error {}

function sendOnce(
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
    outgoing.on('error', (error: NodeJS.ErrnoException) => {
      const stale = outgoing.reusedSocket && error.code === 'ECONNRESET';
      reject(stale ? new StaleConnection('stale connection', { cause: error }) : error);
    });
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
