/**
 * The gRPC status of a response, for retries on gRPC codes. A failed call usually answers
 * trailers-only (`grpc-status` among the headers, no body); otherwise the status is in the
 * trailers, after the messages. Like Linkerd's PeekTrailersBody, the retry looks only as far as
 * a short answer: the body's first bytes and, if the end came with them, its trailers. A
 * response still streaming then is a stream, not a failed try, and is passed on unread.
 */
import type { ProxyResponse } from '../http/message.ts';

/** The response's gRPC status, or undefined when it has none yet (or is not gRPC). */
export async function peekGrpcStatus(response: ProxyResponse): Promise<number | undefined> {
  const inHeaders = response.headers.get('grpc-status');
  if (inHeaders !== undefined) return parseStatus(inHeaders);
  const body = response.body;
  if (body !== null) {
    await body.peek();
    // The end often comes in the same read as the last message: give it that turn.
    if (!body.ended) await new Promise(setImmediate);
    if (!body.complete) return undefined;
  }
  const trailers = await response.trailers.catch(() => undefined);
  const status = trailers?.get('grpc-status');
  return status === undefined ? undefined : parseStatus(status);
}

function parseStatus(text: string): number | undefined {
  return /^\d{1,2}$/.test(text) ? Number(text) : undefined;
}
