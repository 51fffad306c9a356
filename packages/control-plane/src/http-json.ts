/**
 * The two pieces of HTTP every control-plane API needs: a request body read up to a cap (past
 * it the rest is drained, not buffered, so the refusal can still be written back) and a JSON
 * answer with its length. Shared by identity and destination; neither decides anything here.
 */
import type { Http2ServerRequest, Http2ServerResponse } from 'node:http2';

export function readBody(
  req: Http2ServerRequest,
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
