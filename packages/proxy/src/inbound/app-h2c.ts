/**
 * Talks HTTP/2 without TLS (h2c) to an app that speaks it, so gRPC reaches the app as gRPC:
 * one multiplexed session, opened on first use and replaced when it ends, and HTTP/2 trailers
 * (`grpc-status`) passed back as trailers.
 */
import http2 from 'node:http2';
import type { Socket } from 'node:net';
import { asProxyError, ProxyError } from '../errors/proxy-error.ts';
import { Body, writeBodyTo } from '../http/body.ts';
import type { HeaderList } from '../http/headers.ts';
import type { ProxyResponse } from '../http/message.ts';
import { forwardableHeaders } from '../http/message.ts';
import type { AppClient, AppEndpoint } from './app-streams.ts';
import { guardConnect, nonEmpty, trailersWhenEnded } from './app-streams.ts';

export function newH2cApp(endpoint: AppEndpoint): AppClient {
  const host = endpoint.host.includes(':') ? `[${endpoint.host}]` : endpoint.host;
  const origin = `http://${host}:${endpoint.port}`;
  let session: http2.ClientHttp2Session | undefined;

  const connected = (): http2.ClientHttp2Session => {
    if (session && !session.closed && !session.destroyed) return session;
    const fresh = http2.connect(origin);
    session = fresh;
    // A session error is also raised on each of its streams, and those report it.
    fresh.on('error', () => {});
    const forget = () => {
      if (session === fresh) session = undefined;
    };
    // After GOAWAY the app takes no new streams: the next request opens a new session.
    fresh.once('goaway', forget);
    fresh.once('close', forget);
    guardConnect(fresh, endpoint, (error) => fresh.destroy(error));
    const { onConnection } = endpoint;
    if (onConnection) fresh.once('connect', (_, socket) => onConnection(socket as Socket));
    return fresh;
  };

  return {
    handler: (request) =>
      new Promise((resolve, reject) => {
        const stream = connected().request(
          {
            ...request.headers.toRecord(),
            ':method': request.method,
            ':scheme': 'http',
            ':authority': request.authority,
            ':path': request.path,
          },
          { endStream: request.body === null },
        );
        // Before the response this fails the request; after it, the body reports it.
        stream.on('error', (error) => reject(asProxyError(error)));
        stream.once('response', (headers, flags) => resolve(fromApp(stream, headers, flags)));
        if (request.body) writeBodyTo(request.body, stream);
      }),
    close: () => session?.destroy(),
  };
}

function fromApp(
  stream: http2.ClientHttp2Stream,
  headers: http2.IncomingHttpHeaders & http2.IncomingHttpStatusHeader,
  flags: number,
): ProxyResponse {
  let trailers: HeaderList | undefined;
  stream.once('trailers', (received) => {
    trailers = nonEmpty(forwardableHeaders(received));
  });
  const { ':status': status, ...fields } = headers;
  // Trailers-only (a gRPC error): the headers ended the stream; nothing to pass on but them.
  const trailersOnly = (flags & http2.constants.NGHTTP2_FLAG_END_STREAM) !== 0;
  if (trailersOnly) stream.resume();
  return {
    status: status ?? 502,
    headers: forwardableHeaders(fields),
    body: trailersOnly ? null : Body.fromReadable(stream),
    trailers: trailersWhenEnded(
      stream,
      () => trailers,
      () => new ProxyError('RESET', `the app reset the stream (HTTP/2 code ${stream.rstCode})`),
    ),
  };
}
