/**
 * The shapes of value the proxy's variables hold, each parser returning undefined for a value
 * it refuses so the caller can report variable, value and expectation together. Durations
 * come from identity-client, so every `LINKERD2_PROXY_*` duration reads the same way.
 */
import { parseEnvDuration } from '@fusion/identity-client';
import type { InboundDefaultPolicy } from '@fusion/mesh-types';

export interface HostPort {
  readonly host: string;
  /** For listen addresses, 0 asks the OS for a free port (tests); the bound one is logged. */
  readonly port: number;
}

const HOST_PORT = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]\s]+)):(\d{1,5})$/;

/** `host:port` or `[ipv6]:port` for a listener; port 0 is allowed. */
export function parseListenAddress(text: string): HostPort | undefined {
  const match = HOST_PORT.exec(text);
  if (!match) return undefined;
  const port = Number(match[3]);
  if (port > 65_535) return undefined;
  return { host: (match[1] ?? match[2])!, port };
}

/** `host:port` of something to connect to: port 0 names nothing. */
export function parseConnectAddress(text: string): HostPort | undefined {
  const address = parseListenAddress(text);
  return address && address.port > 0 ? address : undefined;
}

/** `host:port` as written back (IPv6 in brackets), for logs and /config. */
export function formatHostPort(address: HostPort): string {
  return address.host.includes(':')
    ? `[${address.host}]:${address.port}`
    : `${address.host}:${address.port}`;
}

/**
 * Linkerd parses booleans with Rust's `bool::from_str` (`true`/`false` only); `1`/`0` are also
 * taken, because shells and compose files write flags that way and neither reading is ambiguous.
 */
export function parseBool(text: string): boolean | undefined {
  switch (text.toLowerCase()) {
    case 'true':
    case '1':
      return true;
    case 'false':
    case '0':
      return false;
    default:
      return undefined;
  }
}

/** A duration with a unit (`500ms`, `10s`, `2m`, `1h`); zero only when `allowZero`. */
export function parseDuration(text: string, allowZero = false): number | undefined {
  const ms = parseEnvDuration(text);
  if (ms === undefined || (ms === 0 && !allowZero)) return undefined;
  return ms;
}

/** Exactly the values Linkerd's `parse_default_policy` accepts. */
export const INBOUND_DEFAULT_POLICIES: readonly InboundDefaultPolicy[] = [
  'deny',
  'all-authenticated',
  'all-unauthenticated',
  'cluster-authenticated',
  'cluster-unauthenticated',
  'audit',
];

export function parseInboundDefaultPolicy(text: string): InboundDefaultPolicy | undefined {
  return INBOUND_DEFAULT_POLICIES.find((policy) => policy === text);
}

export type AppProtocol = 'http1' | 'h2c';
export const APP_PROTOCOLS: readonly AppProtocol[] = ['http1', 'h2c'];

export function parseAppProtocol(text: string): AppProtocol | undefined {
  return APP_PROTOCOLS.find((protocol) => protocol === text.toLowerCase());
}

/** A service name as it appears in identities and metrics labels: one lowercase DNS label. */
export function isServiceName(text: string): boolean {
  return /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/.test(text);
}
