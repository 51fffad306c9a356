/**
 * HTTP/1.1 clients for the load loops: undici 7's Pool — a fixed set of keep-alive connections,
 * one request at a time on each (no pipelining, which a proxy may not assume is safe), requests
 * beyond that queued in the pool. undici because it costs the generator the least CPU per request
 * of the Node clients (about 1.3–3× less than node:http's Agent), and on a 2-core machine every
 * cycle the generator spends is one the processes under test do not get.
 */
import type { ConnectionOptions } from 'node:tls';
import { buildConnector, Pool } from 'undici';
import type { Send } from './generate.ts';

export interface Http1ClientOptions {
  /** `http://127.0.0.1:port` or `https://…`. */
  readonly origin: string;
  readonly connections: number;
  readonly path?: string;
  /** The Host header: the service name, when the origin is a proxy. */
  readonly host?: string;
  /**
   * For https origins: certificate, key, CA and `servername` — which then holds whatever the
   * Host header says (undici would otherwise take the SNI name from the Host header).
   */
  readonly tls?: ConnectionOptions & { maxCachedSessions?: number };
  readonly timeoutMs?: number;
}

export interface Http1Client {
  readonly send: Send;
  /** One request whose body is read in full: for checking a path before loading it. */
  probe(): Promise<{ status: number; bytes: number }>;
  close(): Promise<void>;
}

export function http1Client(options: Http1ClientOptions): Http1Client {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const pool = new Pool(options.origin, {
    connections: options.connections,
    pipelining: 1,
    keepAliveTimeout: 60_000,
    keepAliveMaxTimeout: 600_000,
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
    ...(options.tls ? { connect: fixedServername(options.tls) } : {}),
  });
  const request = {
    method: 'GET' as const,
    path: options.path ?? '/',
    headers: options.host ? { host: options.host } : {},
  };
  return {
    send: async () => {
      const { statusCode, body } = await pool.request(request);
      await body.dump();
      return statusCode;
    },
    probe: async () => {
      const { statusCode, body } = await pool.request(request);
      const bytes = (await body.arrayBuffer()).byteLength;
      return { status: statusCode, bytes };
    },
    close: () => pool.close(),
  };
}

function fixedServername(tls: ConnectionOptions & { maxCachedSessions?: number }) {
  const connect = buildConnector(tls as buildConnector.BuildOptions);
  const servername = tls.servername;
  return (options: buildConnector.Options, callback: buildConnector.Callback) =>
    connect(servername ? { ...options, servername } : options, callback);
}
