/**
 * Adapts Node's HTTP servers to a handler: turns an incoming request (HTTP/1.1, or HTTP/2 through
 * the compatibility API) into a ProxyRequest and writes the ProxyResponse back, streaming the
 * body as it arrives and sending trailers after it. Also understands absolute-form request
 * targets (`GET http://identity/users/1`), so an app can use the proxy as an HTTP proxy.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Http2ServerRequest, Http2ServerResponse } from 'node:http2';
import { ProxyError } from '../errors/proxy-error.ts';
import { errorResponse } from '../errors/rescue.ts';
import { Body } from './body.ts';
import {
  forwardableHeaders,
  type HttpHandler,
  type HttpVersion,
  type ProxyRequest,
  type ProxyResponse,
  type RequestContext,
} from './message.ts';

export type ServerRequest = IncomingMessage | Http2ServerRequest;
export type ServerResponseLike = ServerResponse | Http2ServerResponse;

/** What the listener knows about the connection, beyond the request itself. */
export type ConnectionFacts = Pick<RequestContext, 'clientId' | 'tls' | 'peerAddress'>;

/** A request listener for http.createServer / http2.createSecureServer. */
export function serve(handler: HttpHandler, facts: (req: ServerRequest) => ConnectionFacts) {
  return (req: ServerRequest, res: ServerResponseLike): void => {
    let request: ProxyRequest;
    try {
      request = toProxyRequest(req, facts(req));
    } catch (error) {
      void writeResponse(res, errorResponse(error as ProxyError));
      return;
    }
    handler(request).then(
      (response) => writeResponse(res, response),
      // Handlers end in the rescue layer and should not throw; if one does, still answer.
      (error: Error) =>
        writeResponse(
          res,
          errorResponse(new ProxyError('UNEXPECTED', error.message), request.headers),
        ),
    );
  };
}

export function toProxyRequest(req: ServerRequest, facts: ConnectionFacts): ProxyRequest {
  const version: HttpVersion = req.httpVersionMajor === 2 ? 'HTTP/2' : 'HTTP/1.1';
  const target = req.url ?? '/';
  let authority: string | undefined;
  let path = target;
  // Origin form (`/…`) is the rule; only an HTTP proxy's client sends absolute form.
  if (target.charCodeAt(0) !== 47 /* '/' */ && /^https?:\/\//i.test(target)) {
    // Absolute form: the client treats us as an HTTP proxy.
    const url = new URL(target);
    authority = url.host;
    path = `${url.pathname}${url.search}`;
  } else {
    const h2Authority = (req.headers as Record<string, string | undefined>)[':authority'];
    authority = h2Authority ?? req.headers.host;
  }
  if (!authority)
    throw new ProxyError('BAD_REQUEST', 'the request names no authority (no Host header)');
  const bodyless =
    req.method === 'GET' ||
    req.method === 'HEAD' ||
    req.method === 'OPTIONS' ||
    req.method === 'DELETE';
  const hasBody =
    !bodyless ||
    req.headers['content-length'] !== undefined ||
    req.headers['transfer-encoding'] !== undefined;
  return {
    method: req.method ?? 'GET',
    authority,
    path,
    headers: forwardableHeaders(req.headers),
    body: hasBody ? Body.fromReadable(req) : null,
    ctx: {
      startedAt: process.hrtime.bigint(),
      clientId: facts.clientId,
      tls: facts.tls,
      peerAddress: facts.peerAddress,
      originalVersion: version,
    },
  };
}

/** Writes status, headers, the streamed body and then trailers; resolves when done. */
export function writeResponse(res: ServerResponseLike, response: ProxyResponse): Promise<void> {
  return new Promise((resolve) => {
    const out = res as ServerResponse;
    const body = response.body;
    // A client that goes away mid-response: stop pulling from upstream.
    out.once('close', () => {
      if (!out.writableFinished) body?.cancel(new Error('the client went away mid-response'));
      resolve();
    });
    if (!body) {
      void respondWithoutBody(out, response);
      return;
    }
    try {
      // At once, not with the first chunk: a stream's headers must not wait for its body.
      out.writeHead(response.status, response.headers.toRecord());
    } catch (error) {
      out.destroy(error as Error);
      return;
    }
    const resume = () => body.resume();
    body.read({
      onData: (chunk) => {
        const flushed = out.write(chunk);
        if (!flushed) out.once('drain', resume);
        return flushed;
      },
      onEnd: () => void finish(out, response),
      onError: (error) => out.destroy(error),
    });
  });
}

/**
 * Headers and end together. Over HTTP/2 that is one HEADERS frame that ends the stream, which is
 * what a gRPC trailers-only response (an error) must stay: grpc-js reads a `grpc-status` only
 * from headers that end the stream, or from trailers.
 */
async function respondWithoutBody(out: ServerResponse, response: ProxyResponse): Promise<void> {
  const trailers = await response.trailers.catch(() => undefined);
  try {
    out.statusCode = response.status;
    const headers = response.headers.toRecord();
    for (const name in headers) out.setHeader(name, headers[name] as string | string[]);
  } catch (error) {
    out.destroy(error as Error);
    return;
  }
  if (trailers && trailers.size > 0) out.addTrailers(trailers.toRecord());
  out.end();
}

async function finish(out: ServerResponse, response: ProxyResponse): Promise<void> {
  const trailers = await response.trailers.catch(() => undefined);
  if (trailers && trailers.size > 0) out.addTrailers(trailers.toRecord());
  out.end();
}
