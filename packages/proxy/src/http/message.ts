/**
 * The request and response every layer sees. Bodies are `Body` channels (body.ts), streamed
 * with backpressure and never buffered whole by the proxy (a layer that must replay one, like
 * retry, keeps it only while it is small and complete). Headers are a HeaderList (headers.ts),
 * names lower case; pseudo-headers and hop-by-hop headers never appear here.
 */
import type { Duplex } from 'node:stream';
import type { Body } from './body.ts';
import type { Cancel } from './cancel.ts';
import { HeaderList, type HeaderRecord } from './headers.ts';

export type HttpVersion = 'HTTP/1.1' | 'HTTP/2';

/** Facts about the connection a request arrived on, set once by the server adapter. */
export interface RequestContext {
  /** process.hrtime.bigint() when the request began, for latency. */
  readonly startedAt: bigint;
  /** Verified identity of the peer that sent it (inbound mTLS), if any. */
  readonly clientId: string | undefined;
  /** Whether it arrived over mesh TLS. */
  readonly tls: boolean;
  /** The caller's address, as the accepted connection showed it (inbound only). */
  readonly peerAddress?: string;
  /** The version the original client spoke, kept so the far side can speak it to the app. */
  readonly originalVersion: HttpVersion;
}

export interface ProxyRequest {
  readonly method: string;
  /** Where it is going: a logical service (`identity`, `identity:8002`) or host:port. */
  readonly authority: string;
  /** Origin-form path with query, e.g. `/users/1?x=y`. */
  readonly path: string;
  readonly headers: HeaderList;
  /** null for requests without a body (GET, HEAD …). */
  readonly body: Body | null;
  readonly ctx: RequestContext;
  /**
   * The protocol an HTTP/1.1 `Upgrade` request asks to switch to (`websocket`). Such a request
   * never rides the proxies' HTTP/2 session: see upgrade/.
   */
  readonly upgrade?: string;
  /**
   * Set by a layer that may give up on the request (a timeout): when it is cancelled, whoever
   * is sending the request stops, rejects with the reason (a ProxyError) and frees or resets its
   * connection. Absent on most requests, which then cost nothing for it.
   */
  readonly cancel?: Cancel;
  /**
   * Set by the retry layer, shared by a request's tries: the endpoints earlier tries went to. The
   * balancer adds the one it picks and, while it has others, avoids these (Envoy's
   * `previous_hosts`): a retry should not land on the replica that just failed it.
   */
  readonly tried?: string[];
  /**
   * Set by the route stage when the caller's policy asks for session affinity: requests with the
   * same key go to the same endpoint while it is healthy (the balancer's rendezvous hashing).
   */
  readonly affinityKey?: string;
}

export interface ProxyResponse {
  readonly status: number;
  readonly headers: HeaderList;
  readonly body: Body | null;
  /**
   * Trailers, when the response stream ends with some (gRPC's `grpc-status`); resolves once the
   * body has ended, to undefined when there were none.
   */
  readonly trailers: Promise<HeaderList | undefined>;
  /** After a 101 to an upgrade request: the connection the new protocol continues on. */
  readonly upgraded?: Upgraded;
}

/** A connection switched to another protocol: from here on, bytes are piped, not parsed. */
export interface Upgraded {
  /** The protocol the server switched to (its `Upgrade` header). */
  readonly protocol: string;
  readonly socket: Duplex;
}

/** One request in, one response out. Called per request. */
export type HttpHandler = (request: ProxyRequest) => Promise<ProxyResponse>;

/**
 * Carries an app's HTTP/1.1 request across the proxies' HTTP/2 connection, so the far proxy
 * speaks HTTP/1.1 to its app again (Linkerd's header).
 */
export const ORIG_PROTO_HEADER = 'l5d-orig-proto';

/**
 * Hop-by-hop headers (RFC 9110 §7.6.1) and HTTP/2-forbidden ones: meaningful for one connection
 * only, so never forwarded.
 */
export const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'upgrade',
  'te',
  'trailer',
  'proxy-authenticate',
  'proxy-authorization',
  'http2-settings',
  'host',
]);

/**
 * Node's headers (node:http, node:http2) without hop-by-hop ones, nor any named in `Connection`.
 * `te: trailers` survives (gRPC). The HTTP/1.1 engine has its own, on its field list.
 */
export function forwardableHeaders(headers: HeaderRecord): HeaderList {
  // A Set only when `Connection` names fields beyond the usual `keep-alive` / `close`.
  const named = connectionNamed(headers.connection);
  const fields: string[] = [];
  for (const name in headers) {
    const value = headers[name];
    if (value === undefined || name.charCodeAt(0) === 58 /* ':' */ || HOP_BY_HOP.has(name))
      continue;
    if (named?.has(name)) continue;
    if (typeof value === 'string') fields.push(name, value);
    else for (const each of value) fields.push(name, each);
  }
  if (headers.te === 'trailers') fields.push('te', 'trailers');
  return new HeaderList(fields);
}

function connectionNamed(
  connection: string | readonly string[] | undefined,
): Set<string> | undefined {
  if (connection === undefined) return undefined;
  const text = String(connection).toLowerCase();
  if (text === 'keep-alive' || text === 'close') return undefined;
  const named = new Set<string>();
  for (const part of text.split(',')) {
    const name = part.trim();
    if (name) named.add(name);
  }
  return named;
}

/** A response with no body, for responses the proxy makes itself. */
/** A gRPC message (`application/grpc`, `application/grpc+proto` …), by its content type. */
export function isGrpc(headers: HeaderList): boolean {
  return headers.get('content-type')?.startsWith('application/grpc') === true;
}

export function emptyResponse(
  status: number,
  headers: HeaderList = new HeaderList(),
): ProxyResponse {
  return { status, headers, body: null, trailers: Promise.resolve(undefined) };
}
