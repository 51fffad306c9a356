/**
 * Writes a ProxyResponse on an HTTP/1.1 connection: the head, with the body's first part when it
 * is already here, then the rest as it arrives with backpressure — length-delimited when the response says its length, chunked for
 * an HTTP/1.1 client otherwise (with trailers after the last chunk), until close for HTTP/1.0.
 * HEAD, 204 and 304 get no body whatever the upstream sent (RFC 9112 §6.3).
 */
import type { Duplex } from 'node:stream';
import type { HeaderMap, ProxyResponse } from '../http/message.ts';
import {
  CHUNK_END,
  chunkHeader,
  LAST_CHUNK,
  lastChunkWithTrailers,
  responseHead,
} from './serialize.ts';

export interface ResponseTarget {
  readonly method: string;
  /** The client's minor version: 0 gets no chunked coding (RFC 9112 §7). */
  readonly minor: 0 | 1;
  /** Whether the connection stays open after this response. */
  keepAlive: boolean;
}

/** Resolves once the whole response is written; rejects if the body failed or the socket died. */
export function writeResponse(
  socket: Duplex,
  target: ResponseTarget,
  response: ProxyResponse,
): Promise<void> {
  const { status } = response;
  const body = response.body;
  const bodiless = target.method === 'HEAD' || status === 204 || status === 304 || status < 200;
  const length = response.headers['content-length'];
  const chunked = !bodiless && length === undefined && body !== null && target.minor === 1;
  if (!bodiless && length === undefined && body !== null && !chunked) target.keepAlive = false;
  let extra = '';
  if (!target.keepAlive) extra = 'connection: close\r\n';
  else if (target.minor === 0) extra = 'connection: keep-alive\r\n';
  if (chunked) extra += 'transfer-encoding: chunked\r\n';
  else if (!bodiless && body === null && length === undefined) extra += 'content-length: 0\r\n';
  const head = responseHead(status, response.headers, extra);

  if (bodiless || body === null) {
    if (body) body.destroy();
    socket.write(head, 'latin1');
    return Promise.resolve();
  }
  // A body that is already here (a small response arrives with its head) goes out in the same
  // write: one TLS record and one syscall instead of two. Flowing starts on the next tick, so
  // the first 'data' comes before any other work, and uncorks.
  let corked = body.readableLength > 0;
  if (corked) socket.cork();
  socket.write(head, 'latin1');
  const uncork = () => {
    if (!corked) return;
    corked = false;
    socket.uncork();
  };
  return new Promise((resolve, reject) => {
    const fail = (error: Error) => {
      cleanup();
      body.destroy();
      reject(error);
    };
    const onClose = () => fail(new Error('the client closed the connection mid-response'));
    const onDrain = () => body.resume();
    const onData = (chunk: Buffer) => {
      let flushed: boolean;
      if (chunked) {
        if (chunk.length === 0) return;
        socket.cork();
        socket.write(chunkHeader(chunk.length), 'latin1');
        socket.write(chunk);
        flushed = socket.write(CHUNK_END, 'latin1');
        socket.uncork();
      } else flushed = socket.write(chunk);
      uncork();
      if (!flushed) body.pause();
    };
    const onEnd = () => {
      cleanup();
      if (!chunked) return resolve();
      response.trailers.then(
        (trailers) => {
          socket.write(trailersEnd(trailers), 'latin1');
          resolve();
        },
        (error: Error) => {
          // The upstream failed after its body: the client must not take the body as whole.
          socket.destroy();
          reject(error);
        },
      );
    };
    const cleanup = () => {
      uncork();
      socket.off('close', onClose).off('drain', onDrain);
      body.off('data', onData).off('end', onEnd).off('error', fail);
    };
    socket.on('close', onClose).on('drain', onDrain);
    body.on('data', onData).on('end', onEnd).on('error', fail);
  });
}

function trailersEnd(trailers: HeaderMap | undefined): string {
  if (trailers === undefined) return LAST_CHUNK;
  for (const _ in trailers) return lastChunkWithTrailers(trailers);
  return LAST_CHUNK;
}
