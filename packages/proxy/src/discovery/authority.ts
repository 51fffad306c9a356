/**
 * From a request's authority to the logical service it names. Apps call services the way they
 * would on Kubernetes — `identity`, `identity:8002`, `identity.default.svc.cluster.local` — and
 * all of these mean the service `identity`: the port and any `.<namespace>…` suffix say where
 * the app thinks the service lives, which is discovery's business, not the name's.
 */
import { isIP } from 'node:net';

/** The service an authority names; an IP address is returned as it is (it names no service). */
export function serviceOfAuthority(authority: string): string {
  const { host } = splitHostPort(authority.trim().toLowerCase());
  if (isIP(host) !== 0) return host;
  const name = host.endsWith('.') ? host.slice(0, -1) : host;
  const dot = name.indexOf('.');
  return dot === -1 ? name : name.slice(0, dot);
}

/** Splits `host:port`, `[v6]:port` or a bare host; port is undefined when absent. */
export function splitHostPort(address: string): { host: string; port: number | undefined } {
  if (address.startsWith('[')) {
    const close = address.indexOf(']');
    const host = address.slice(1, close === -1 ? undefined : close);
    const rest = close === -1 ? '' : address.slice(close + 1);
    return { host, port: rest.startsWith(':') ? portOf(rest.slice(1)) : undefined };
  }
  const colon = address.lastIndexOf(':');
  // Two or more colons without brackets: a bare IPv6 address, which has no port.
  if (colon === -1 || address.indexOf(':') !== colon) return { host: address, port: undefined };
  return { host: address.slice(0, colon), port: portOf(address.slice(colon + 1)) };
}

function portOf(text: string): number | undefined {
  if (!/^\d{1,5}$/.test(text)) return undefined;
  const port = Number(text);
  return port > 0 && port < 65_536 ? port : undefined;
}
