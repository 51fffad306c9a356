/**
 * Sends a request to a peer proxy as a stream of the endpoint's shared HTTP/2 session, and
 * returns the response as it arrives: headers at once, the body streamed, trailers (gRPC's
 * `grpc-status`) when the stream ends. An HTTP/1.1 request from the app travels as HTTP/2 with
 * `l5d-orig-proto: HTTP/1.1`, so the peer can speak HTTP/1.1 to its app again (Linkerd's
 * upgrade); an HTTP/2 request (gRPC) goes as it is. The authority is the app's own, so the
 * peer's app sees the name it was called by.
 */
import http2, { type ClientHttp2Session, type OutgoingHttpHeaders } from 'node:http2';
import { asProxyError, ProxyError } from '../errors/proxy-error.ts';
import { Body, writeBodyTo } from '../http/body.ts';
import type { HeaderList } from '../http/headers.ts';
import {
  forwardableHeaders,
  type HttpHandler,
  ORIG_PROTO_HEADER,
  type ProxyRequest,
  type ProxyResponse,
} from '../http/message.ts';

export interface SessionSource {
  session(): ClientHttp2Session | Promise<ClientHttp2Session>;
}

export function forwardOverH2(sessions: SessionSource): HttpHandler {
  return (request) => {
    const session = sessions.session();
    return session instanceof Promise
      ? session.then((ready) => send(ready, request))
      : send(session, request);
  };
}

function send(session: ClientHttp2Session, request: ProxyRequest): Promise<ProxyResponse> {
  return new Promise((resolve, reject) => {
    let stream: http2.ClientHttp2Stream;
    try {
      stream = session.request(requestHeaders(request), { endStream: request.body === null });
    } catch (error) {
      reject(asProxyError(error));
      return;
    }
    let trailers: HeaderList | undefined;
    let ended = false;
    let settleTrailers!: { resolve(t: HeaderList | undefined): void; reject(e: Error): void };
    const trailersPromise = new Promise<HeaderList | undefined>((resolve, reject) => {
      settleTrailers = { resolve, reject };
    });
    // Whoever reads the trailers sees a failure; nobody reading them must not crash the process.
    trailersPromise.catch(() => {});
    const failed = (error: ProxyError) => {
      reject(error);
      settleTrailers.reject(error);
    };
    // A layer that gave up (a timeout) cancels the stream: the peer stops working on it.
    const cancel = request.cancel;
    if (cancel) {
      const unwatch = cancel.onCancel((reason) => {
        failed(reason);
        stream.close(http2.constants.NGHTTP2_CANCEL);
      });
      stream.once('close', unwatch);
    }

    stream.once('response', (headers, flags) => {
      // Trailers-only (how gRPC answers an error): these headers ended the stream, and must
      // reach the app the same way, so there is no body to pass on — only to drain.
      const trailersOnly = (flags & http2.constants.NGHTTP2_FLAG_END_STREAM) !== 0;
      if (trailersOnly) stream.resume();
      resolve({
        status: Number(headers[':status']),
        headers: forwardableHeaders(headers),
        body: trailersOnly ? null : Body.fromReadable(stream),
        trailers: trailersPromise,
      });
    });
    stream.once('trailers', (received) => {
      trailers = forwardableHeaders(received);
    });
    stream.once('end', () => {
      ended = true;
      settleTrailers.resolve(trailers);
    });
    stream.on('error', (error) => failed(asProxyError(error)));
    stream.once('close', () => {
      if (ended) return;
      const code = stream.rstCode ?? http2.constants.NGHTTP2_NO_ERROR;
      failed(new ProxyError('RESET', `the peer stream closed before its end (code ${code})`));
    });

    // The app giving up on its request destroys the stream: the peer sees it reset.
    if (request.body) writeBodyTo(request.body, stream);
  });
}

function requestHeaders(request: ProxyRequest): OutgoingHttpHeaders {
  const headers: OutgoingHttpHeaders = request.headers.toRecord();
  headers[':method'] = request.method;
  headers[':authority'] = request.authority;
  headers[':path'] = request.path;
  // Only this proxy says what the app spoke.
  if (request.ctx.originalVersion === 'HTTP/1.1') headers[ORIG_PROTO_HEADER] = 'HTTP/1.1';
  else delete headers[ORIG_PROTO_HEADER];
  return headers;
}
