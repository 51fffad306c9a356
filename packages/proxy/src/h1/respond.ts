/**
 * Writes a ProxyResponse on an HTTP/1.1 connection: the head, then the body with backpressure —
 * length-delimited when the response says its length, chunked for an HTTP/1.1 client otherwise
 * (with trailers after the last chunk), until close for HTTP/1.0. What of the body is already
 * here goes out with the head in one write (a small response: one syscall, one TLS record).
 * HEAD, 204 and 304 get no body whatever the upstream sent (RFC 9112 §6.3).
 */
import type { Duplex } from 'node:stream';
import type { HeaderList } from '../http/headers.ts';
import type { ProxyResponse } from '../http/message.ts';
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
  const length = response.headers.get('content-length');
  const chunked = !bodiless && length === undefined && body !== null && target.minor === 1;
  if (!bodiless && length === undefined && body !== null && !chunked) target.keepAlive = false;
  let extra = '';
  if (!target.keepAlive) extra = 'connection: close\r\n';
  else if (target.minor === 0) extra = 'connection: keep-alive\r\n';
  if (chunked) extra += 'transfer-encoding: chunked\r\n';
  else if (!bodiless && body === null && length === undefined) extra += 'content-length: 0\r\n';
  const head = responseHead(status, response.headers, extra);

  if (bodiless || body === null) {
    body?.cancel(new Error('a response to HEAD, or with a status that has no body'));
    socket.write(head, 'latin1');
    return Promise.resolve();
  }
  return new Promise((resolve, reject) => {
    let settled = false;
    const settle = (error?: Error) => {
      if (settled) return;
      settled = true;
      socket.off('close', onClose).off('drain', onDrain);
      if (error) reject(error);
      else resolve();
    };
    const onClose = () => {
      const error = new Error('the client closed the connection mid-response');
      body.cancel(error);
      settle(error);
    };
    const onDrain = () => body.resume();
    socket.on('close', onClose).on('drain', onDrain);
    socket.cork();
    socket.write(head, 'latin1');
    // What is here is delivered now, inside the cork; the rest as it comes.
    body.read({
      onData: (chunk) => {
        if (!chunked) return socket.write(chunk);
        socket.cork();
        socket.write(chunkHeader(chunk.length), 'latin1');
        socket.write(chunk);
        const flushed = socket.write(CHUNK_END, 'latin1');
        socket.uncork();
        return flushed;
      },
      onEnd: () => {
        if (!chunked) return settle();
        response.trailers.then(
          (trailers) => {
            socket.write(trailersEnd(trailers), 'latin1');
            settle();
          },
          (error: Error) => {
            // The upstream failed after its body: the client must not take the body as whole.
            socket.destroy();
            settle(error);
          },
        );
      },
      onError: (error) => settle(error),
    });
    socket.uncork();
  });
}

function trailersEnd(trailers: HeaderList | undefined): string {
  return trailers === undefined || trailers.size === 0
    ? LAST_CHUNK
    : lastChunkWithTrailers(trailers);
}
