/**
 * The two pieces of HTTP every control-plane API needs: a request body read up to a cap (past
 * it the rest is drained, not buffered, so the refusal can still be written back) and a JSON
 * answer with its length. Shared by identity, destination and the trace receiver (HTTP/1.1,
 * hence a request typed as any readable with headers); none of them decides anything here.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { Http2ServerResponse } from 'node:http2';
import type { Readable } from 'node:stream';

/** An HTTP/2 or HTTP/1.1 request: a readable body with its headers. */
type BodyRequest = Readable & { readonly headers: IncomingHttpHeaders };

export function readBody(
  req: BodyRequest,
  maxBytes: number,
  tooLarge: () => Error,
): Promise<Buffer> {
  if (Number(req.headers['content-length'] ?? 0) > maxBytes) return Promise.reject(tooLarge());
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= maxBytes) return void chunks.push(chunk);
      req.off('data', onData);
      req.resume();
      reject(tooLarge());
    };
    req.on('data', onData);
    req.once('end', () => resolve(Buffer.concat(chunks)));
    req.once('error', reject);
  });
}

export function sendJson(res: Http2ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}
