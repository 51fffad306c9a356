/** What the transport scenario's processes say to each other over their IPC channels. */
import type { EncodedLoad } from '../load/index.ts';

/** PEM material of one end: its certificate chain and key, and the anchors it trusts. */
export interface EndTls {
  readonly chainPem: string;
  readonly keyPem: string;
  readonly anchorsPem: string;
}

/**
 * - `h2`: one node:http2 session over mTLS, every request a stream of it (what our proxies do).
 * - `h1-undici`: undici Pool of 16 keep-alive HTTP/1.1 mTLS connections.
 * - `h1-agent`: node:https Agent, keepAlive, maxSockets 16.
 */
export type TransportMode = 'h2' | 'h1-undici' | 'h1-agent';

export type LoadPattern =
  | { readonly kind: 'closed'; readonly concurrency: number; readonly seconds: number }
  | { readonly kind: 'open'; readonly rate: number; readonly seconds: number };

export interface ServerStart {
  readonly tls: EndTls;
}

export interface ServerReady {
  readonly port: number;
}

export interface ClientRun {
  readonly mode: TransportMode;
  readonly pattern: LoadPattern;
}

export interface ClientSetup {
  readonly tls: EndTls;
  readonly port: number;
  /** The identity the server's certificate must name (sent as SNI and checked). */
  readonly serverIdentity: string;
  readonly connections: number;
}

export type ClientMessage =
  | ({ readonly type: 'setup' } & ClientSetup)
  | ({ readonly type: 'run' } & ClientRun);

export type ClientReply =
  | { readonly type: 'ready' }
  | { readonly type: 'result'; readonly load: EncodedLoad }
  | { readonly type: 'error'; readonly message: string };
