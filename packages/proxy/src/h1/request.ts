/**
 * A parsed request head as the ProxyRequest every layer sees, and its field list as the message's
 * HeaderList without hop-by-hop fields (RFC 9110 §7.6.1) or those its Connection field names.
 */

import { ProxyError } from '../errors/proxy-error.ts';
import type { Body } from '../http/body.ts';
import { HeaderList } from '../http/headers.ts';
import { HOP_BY_HOP, type ProxyRequest } from '../http/message.ts';
import type { ConnectionFacts } from '../http/serve.ts';
import type { RequestHead } from './parser.ts';

/**
 * The parser's `fields` as a HeaderList, taking the array itself when nothing must go (no copy);
 * otherwise the fields that stay, in order.
 */
export function headersOf(fields: string[], connection: readonly string[]): HeaderList {
  const named =
    connection.length === 0 || (connection.length === 1 && isPlain(connection[0]))
      ? undefined
      : connection;
  let kept: string[] | undefined;
  for (let i = 0; i < fields.length; i += 2) {
    const name = fields[i] as string;
    const value = fields[i + 1] as string;
    // gRPC's `te: trailers` is the one hop-by-hop field passed on (RFC 9113 §8.2.2).
    const drop =
      (HOP_BY_HOP.has(name) && !(name === 'te' && value === 'trailers')) ||
      named?.includes(name) === true;
    if (drop) kept ??= fields.slice(0, i);
    else kept?.push(name, value);
  }
  return new HeaderList(kept ?? fields);
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
  if (head.framing.upgrade !== undefined) headers.delete('content-length');
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
      peerAddress: facts.peerAddress,
      originalVersion: 'HTTP/1.1',
    },
  };
  return head.framing.upgrade === undefined
    ? request
    : { ...request, upgrade: head.framing.upgrade };
}
