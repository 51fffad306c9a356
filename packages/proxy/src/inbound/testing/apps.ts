/** Tiny HTTP/1.1 apps on free loopback ports that record what reached them. */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the app saw of one request. */
export interface Seen {
  readonly method: string;
  readonly url: string;
  readonly httpVersion: string;
  readonly headers: http.IncomingHttpHeaders;
}

export interface App {
  readonly port: number;
  readonly seen: Seen[];
  close(): Promise<void>;
}

/** An HTTP/1.1 app on a free loopback port; `handle` answers (default: 200 `hello`). */
export async function startApp(
  handle: http.RequestListener = (_req, res) => res.end('hello'),
  port = 0,
): Promise<App> {
  const seen: Seen[] = [];
  const server = http.createServer((req, res) => {
    seen.push({
      method: req.method ?? '',
      url: req.url ?? '',
      httpVersion: req.httpVersion,
      headers: req.headers,
    });
    handle(req, res);
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    seen,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
