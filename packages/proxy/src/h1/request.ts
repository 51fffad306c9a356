/**
 * A parsed request head as the ProxyRequest every layer sees, and the field list as a HeaderMap
 * without hop-by-hop fields (RFC 9110 §7.6.1) or those its Connection field names.
 */

import { ProxyError } from '../errors/proxy-error.ts';
import type { Body } from '../http/body.ts';
import { type HeaderMap, HOP_BY_HOP, type ProxyRequest } from '../http/message.ts';
import type { ConnectionFacts } from '../http/serve.ts';
import type { RequestHead } from './parser.ts';

export function headersOf(fields: readonly string[], connection: readonly string[]): HeaderMap {
  const named =
    connection.length === 0 || (connection.length === 1 && isPlain(connection[0]))
      ? undefined
      : connection;
  const headers: HeaderMap = {};
  for (let i = 0; i < fields.length; i += 2) {
    const name = fields[i] as string;
    const value = fields[i + 1] as string;
    if (HOP_BY_HOP.has(name)) {
      // gRPC's `te: trailers` is the one hop-by-hop field passed on (RFC 9113 §8.2.2).
      if (name === 'te' && value === 'trailers') headers.te = value;
      continue;
    }
    if (named?.includes(name)) continue;
    const previous = headers[name];
    if (previous === undefined) headers[name] = value;
    else if (typeof previous === 'string') headers[name] = [previous, value];
    else previous.push(value);
  }
  return headers;
}

const isPlain = (token: string | undefined) => token === 'close' || token === 'keep-alive';

export function toProxyRequest(
  head: RequestHead,
  body: Body | null,
  facts: ConnectionFacts,
): ProxyRequest {
  const target = head.target;
  let authority = head.framing.host;
  let path = target;
  if (target.charCodeAt(0) !== 0x2f /* / */ && target !== '*') {
    // Absolute form: the client treats us as an HTTP proxy; its authority wins (RFC 9112 §3.2.2).
    const url = new URL(target);
    authority = url.host;
    path = `${url.pathname}${url.search}`;
  }
  if (!authority) {
    throw new ProxyError('BAD_REQUEST', 'the request names no authority (no Host field)');
  }
  const headers = headersOf(head.fields, head.framing.connection);
  if (head.framing.upgrade !== undefined) delete headers['content-length'];
  const request: ProxyRequest = {
    method: head.method,
    authority,
    path,
    headers,
    body,
    ctx: {
      startedAt: process.hrtime.bigint(),
      clientId: facts.clientId,
      tls: facts.tls,
      originalVersion: 'HTTP/1.1',
    },
  };
  return head.framing.upgrade === undefined
    ? request
    : { ...request, upgrade: head.framing.upgrade };
}
