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

/** A whole number from `min` to `max`, digits only. */
export function parseWholeNumber(text: string, min: number, max: number): number | undefined {
  if (!/^[0-9]{1,10}$/.test(text)) return undefined;
  const value = Number(text);
  return value >= min && value <= max ? value : undefined;
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

/** An inclusive range of ports; a single port is a range of one. */
export interface PortRange {
  readonly from: number;
  readonly to: number;
}

/**
 * Linkerd's port-range set (`25,587,3306,4000-4100`), as linkerd2-proxy parses
 * `LINKERD2_PROXY_INBOUND_PORTS_DISABLE_PROTOCOL_DETECTION`. Blank items are skipped; every bad
 * item is named in the error.
 */
export function parsePortRanges(text: string): PortRange[] {
  const ranges: PortRange[] = [];
  const bad: string[] = [];
  for (const item of text.split(',').map((part) => part.trim())) {
    if (item === '') continue;
    const match = /^(\d{1,5})(?:-(\d{1,5}))?$/.exec(item);
    const from = Number(match?.[1]);
    const to = Number(match?.[2] ?? match?.[1]);
    if (!match || from < 1 || to > 65_535 || from > to) bad.push(`'${item}'`);
    else ranges.push({ from, to });
  }
  if (bad.length > 0) throw new Error(`not a port or from-to range: ${bad.join(', ')}`);
  return ranges;
}

export function inPortRanges(port: number, ranges: readonly PortRange[]): boolean {
  return ranges.some((range) => port >= range.from && port <= range.to);
}

/** One `service=host:port` of FUSION_PROXY_OUTBOUND_TCP. */
export interface TcpUpstreamEnv {
  readonly service: string;
  readonly listen: HostPort;
}

/**
 * `service=host:port,…`: a loopback listener per mesh service the app reaches over opaque TCP.
 * The host must be loopback: anything that can connect there speaks to the service with this
 * workload's identity, so only the app itself may. Every bad item is named in the error.
 */
export function parseTcpUpstreams(text: string): TcpUpstreamEnv[] {
  const upstreams: TcpUpstreamEnv[] = [];
  const bad: string[] = [];
  for (const item of text.split(',').map((part) => part.trim())) {
    if (item === '') continue;
    const equals = item.indexOf('=');
    const service = item.slice(0, equals).trim();
    const listen = equals === -1 ? undefined : parseListenAddress(item.slice(equals + 1).trim());
    if (equals === -1) bad.push(`'${item}' is not service=host:port`);
    else if (!isServiceName(service)) bad.push(`'${service}' is not a service name`);
    else if (!listen) bad.push(`'${item.slice(equals + 1)}' is not host:port`);
    else if (!isLoopbackHost(listen.host)) bad.push(`${listen.host} is not a loopback address`);
    else if (upstreams.some((u) => u.listen.port === listen.port && listen.port !== 0)) {
      bad.push(`port ${listen.port} is given twice`);
    } else upstreams.push({ service, listen });
  }
  if (bad.length > 0) throw new Error(bad.join('; '));
  return upstreams;
}

function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/** A replica's name: what FUSION_PROXY_INSTANCE may hold and the destination service accepts. */
export function isInstanceName(text: string): boolean {
  return /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/.test(text);
}
