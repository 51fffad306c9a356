/** The small HTTP pieces the admin routes share: answering, reading a short body, who is asking. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isIP } from 'node:net';

export const TEXT = 'text/plain; charset=utf-8';
export const JSON_TYPE = 'application/json; charset=utf-8';

export function send(
  res: ServerResponse,
  status: number,
  body: string,
  contentType = TEXT,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, {
    ...headers,
    'content-type': contentType,
    'content-length': Buffer.byteLength(body),
  });
  res.end(body);
}

/**
 * Writes a long text given in chunks, one chunk per event-loop turn: the cost of encoding each
 * is paid between other work instead of in one block (a scrape of tens of thousands of series
 * would otherwise hold the loop for tens of milliseconds). Chunked transfer, so no length.
 */
export async function sendChunks(
  res: ServerResponse,
  status: number,
  chunks: readonly string[],
  contentType = TEXT,
): Promise<void> {
  res.writeHead(status, { 'content-type': contentType });
  for (const chunk of chunks) {
    if (res.destroyed) return;
    const full = !res.write(chunk);
    await new Promise<void>((resolve) => {
      if (!full) return void setImmediate(resolve);
      // A scraper reading slowly: wait for it, or for it to go away.
      const done = () => {
        res.off('drain', done).off('close', done);
        resolve();
      };
      res.once('drain', done).once('close', done);
    });
  }
  res.end();
}

export function sendJson(res: ServerResponse, value: unknown): void {
  send(res, 200, `${JSON.stringify(value, null, 2)}\n`, JSON_TYPE);
}

export class BodyTooLarge extends Error {
  override readonly name = 'BodyTooLarge';
}

/** The whole body as text; rejects with BodyTooLarge past `limit` bytes rather than buffer it. */
export function readBody(req: IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        // Keep draining so the 413 can still be written on this connection.
        chunks.length = 0;
        return;
      }
      chunks.push(chunk);
    });
    req.once('end', () => {
      if (size > limit) reject(new BodyTooLarge(`the body is over ${limit} bytes`));
      else resolve(Buffer.concat(chunks).toString('utf8'));
    });
    req.once('error', reject);
  });
}

/**
 * Whether a peer address is this host's loopback (IPv4, IPv6, or IPv4-mapped IPv6). Linkerd
 * answers the routes that change or reveal the proxy only to such callers, because its admin
 * port is often bound to 0.0.0.0 for probes and scrapes.
 */
export function isLoopback(address: string | undefined): boolean {
  if (!address) return false;
  const v4 = address.startsWith('::ffff:') ? address.slice('::ffff:'.length) : address;
  if (isIP(v4) === 4) return v4.startsWith('127.');
  return address === '::1' || address === '0:0:0:0:0:0:0:1';
}
