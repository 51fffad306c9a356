/**
 * How long a message's body is, and what its connection does next, from its header fields
 * (RFC 9112 §6.3, §9.3). The request rules are strict on purpose: every ambiguity a smuggling
 * attack needs — two lengths, a length beside chunked, a coding before chunked — is refused.
 */
import { HOST, TCHAR } from './chars.ts';
import { H1ParseError } from './errors.ts';
import type { H1Limits } from './limits.ts';

export type BodyKind = 'none' | 'length' | 'chunked' | 'close';

export interface Framing {
  readonly body: BodyKind;
  /** Bytes to read when body is 'length'. */
  readonly contentLength: number;
  /** Whether the connection carries another message after this one. */
  readonly keepAlive: boolean;
  /** The Upgrade header of a request whose Connection names `upgrade`, or of a 101. */
  readonly upgrade: string | undefined;
  /** Tokens of the Connection header (lower case), for removing the fields it names. */
  readonly connection: readonly string[];
}

export interface RequestFraming extends Framing {
  /** The one Host field's value (absent only in HTTP/1.0). */
  readonly host: string | undefined;
  readonly expectContinue: boolean;
}

interface Scan {
  host: string | undefined;
  hosts: number;
  contentLength: string | undefined;
  contentLengths: number;
  transferEncoding: string | undefined;
  connection: string | undefined;
  upgrade: string | undefined;
  expect: string | undefined;
}

function scan(fields: readonly string[]): Scan {
  const found: Scan = {
    host: undefined,
    hosts: 0,
    contentLength: undefined,
    contentLengths: 0,
    transferEncoding: undefined,
    connection: undefined,
    upgrade: undefined,
    expect: undefined,
  };
  for (let i = 0; i < fields.length; i += 2) {
    const value = fields[i + 1] as string;
    switch (fields[i]) {
      case 'host':
        found.host = value;
        found.hosts++;
        break;
      case 'content-length':
        found.contentLength = value;
        found.contentLengths++;
        break;
      case 'transfer-encoding':
        found.transferEncoding =
          found.transferEncoding === undefined ? value : `${found.transferEncoding},${value}`;
        break;
      case 'connection':
        found.connection = found.connection === undefined ? value : `${found.connection},${value}`;
        break;
      case 'upgrade':
        found.upgrade = value;
        break;
      case 'expect':
        found.expect = value;
        break;
    }
  }
  return found;
}

const bad = (code: ConstructorParameters<typeof H1ParseError>[0], reason: string, status = 400) =>
  new H1ParseError(code, status, reason);

export function requestFraming(
  fields: readonly string[],
  minor: 0 | 1,
  limits: H1Limits,
): RequestFraming {
  const found = scan(fields);
  if (found.hosts > 1) throw bad('SEVERAL_HOSTS', 'more than one Host field (RFC 9112 §3.2)');
  if (found.hosts === 0 && minor === 1) {
    throw bad('NO_HOST', 'an HTTP/1.1 request without a Host field (RFC 9112 §3.2)');
  }
  if (found.host !== undefined && !validHost(found.host)) {
    throw bad('BAD_HOST', 'the Host field is empty or not uri-host[:port] (RFC 9110 §7.2)');
  }
  const connection = tokens(found.connection);
  const keepAlive = minor === 1 ? !connection.includes('close') : connection.includes('keep-alive');
  // An h2c offer is ignored, as Linkerd ignores it (RFC 9110 §7.8 lets a server): HTTP/2 inside
  // a switched connection would be opaque to the proxies; the request is served as HTTP/1.1.
  const upgrade =
    minor === 1 &&
    found.upgrade !== undefined &&
    connection.includes('upgrade') &&
    found.upgrade.trim().toLowerCase() !== 'h2c'
      ? found.upgrade
      : undefined;
  const expectContinue = found.expect?.toLowerCase() === '100-continue';
  // Every return builds the same shape, property for property: one hidden class for V8.
  const framing = (body: BodyKind, contentLength: number): RequestFraming => ({
    body,
    contentLength,
    keepAlive,
    upgrade,
    connection,
    host: found.host,
    expectContinue,
  });

  if (found.transferEncoding !== undefined) {
    if (minor === 0) {
      // §6.1: an HTTP/1.0 message with Transfer-Encoding has faulty framing.
      throw bad(
        'TRANSFER_ENCODING_IN_HTTP_1_0',
        'Transfer-Encoding in an HTTP/1.0 request (RFC 9112 §6.1)',
      );
    }
    if (found.contentLengths > 0) {
      // §6.1 lets a server refuse it; it is the classic smuggling shape, so it is refused.
      throw bad(
        'CONTENT_LENGTH_WITH_TRANSFER_ENCODING',
        'both Content-Length and Transfer-Encoding (RFC 9112 §6.1)',
      );
    }
    checkChunkedLast(found.transferEncoding, true);
    return framing('chunked', 0);
  }
  if (found.contentLengths > 0) {
    const length = contentLength(found, 400);
    if (length > limits.maxBodyBytes) {
      throw bad(
        'BODY_TOO_LARGE',
        `a body of ${length} bytes is over the limit of ${limits.maxBodyBytes}`,
        413,
      );
    }
    return framing(length === 0 ? 'none' : 'length', length);
  }
  // §6.3 item 7: neither field, no body.
  return framing('none', 0);
}

/**
 * The response to a request with `method`. Stricter than §6.3 for responses too: a proxy must not
 * guess a length its client will read differently.
 */
export function responseFraming(
  fields: readonly string[],
  minor: 0 | 1,
  status: number,
  method: string,
): Framing {
  const found = scan(fields);
  const connection = tokens(found.connection);
  let keepAlive = minor === 1 ? !connection.includes('close') : connection.includes('keep-alive');
  // A 101 ends HTTP/1.1 on the connection, whatever protocol it names.
  const upgrade = status === 101 ? (found.upgrade ?? 'unnamed') : undefined;
  const framing = (body: BodyKind, contentLength: number): Framing => ({
    body,
    contentLength,
    keepAlive,
    upgrade,
    connection,
  });
  // §6.3 items 1 and 2: no body after HEAD, 1xx, 204, 304, whatever the fields say.
  if (method === 'HEAD' || status < 200 || status === 204 || status === 304) {
    return framing('none', 0);
  }
  if (found.transferEncoding !== undefined) {
    if (found.contentLengths > 0 || minor === 0) {
      throw bad(
        'CONTENT_LENGTH_WITH_TRANSFER_ENCODING',
        'a response with Transfer-Encoding beside Content-Length or in HTTP/1.0 (RFC 9112 §6.1)',
        502,
      );
    }
    checkChunkedLast(found.transferEncoding, false);
    return framing('chunked', 0);
  }
  if (found.contentLengths > 0) {
    const length = contentLength(found, 502);
    return framing(length === 0 ? 'none' : 'length', length);
  }
  // §6.3 item 8: the body runs until the server closes the connection.
  keepAlive = false;
  return framing('close', 0);
}

function contentLength(found: Scan, status: number): number {
  if (found.contentLengths > 1) {
    // §8.6 of RFC 9110 would accept repeated equal values; a proxy refuses them (§6.3 item 5).
    throw bad(
      'SEVERAL_CONTENT_LENGTHS',
      'more than one Content-Length field (RFC 9112 §6.3)',
      status,
    );
  }
  const text = found.contentLength as string;
  // 1*DIGIT (RFC 9110 §8.6), within what a double counts exactly.
  if (text.length === 0 || text.length > 15 || !/^[0-9]+$/.test(text)) {
    throw bad(
      'BAD_CONTENT_LENGTH',
      `Content-Length "${printable(text)}" is not 1*DIGIT (RFC 9110 §8.6)`,
      status,
    );
  }
  return Number(text);
}

/**
 * Transfer-Encoding must end with one `chunked` (§6.3 item 4). A request whose only coding is
 * chunked is all we forward; another coding before it is not implemented here (501, §6.1).
 */
function checkChunkedLast(value: string, isRequest: boolean): void {
  const codings = value.split(',').map((part) => part.trim().toLowerCase());
  const status = isRequest ? 400 : 502;
  for (const coding of codings) {
    if (!isToken(coding)) {
      throw bad(
        'TRANSFER_ENCODING_NOT_CHUNKED',
        `Transfer-Encoding "${printable(value)}" is malformed (RFC 9112 §6.1)`,
        status,
      );
    }
  }
  if (
    codings[codings.length - 1] !== 'chunked' ||
    codings.indexOf('chunked') !== codings.length - 1
  ) {
    throw bad(
      'TRANSFER_ENCODING_NOT_CHUNKED',
      `Transfer-Encoding "${printable(value)}" does not end with one chunked (RFC 9112 §6.3)`,
      status,
    );
  }
  if (codings.length > 1) {
    throw bad(
      'UNKNOWN_TRANSFER_CODING',
      `Transfer-Encoding "${printable(value)}": only chunked is implemented (RFC 9112 §6.1)`,
      isRequest ? 501 : 502,
    );
  }
}

/** Shared by every message without a Connection field: nothing allocated for it. */
const NO_TOKENS: readonly string[] = Object.freeze([]);

function tokens(value: string | undefined): readonly string[] {
  if (value === undefined) return NO_TOKENS;
  const result: string[] = [];
  for (const part of value.split(',')) {
    const token = part.trim().toLowerCase();
    if (token) result.push(token);
  }
  return result;
}

function isToken(text: string): boolean {
  if (text.length === 0) return false;
  for (let i = 0; i < text.length; i++) if (TCHAR[text.charCodeAt(i)] !== 1) return false;
  return true;
}

function validHost(host: string): boolean {
  if (host.length === 0) return false;
  for (let i = 0; i < host.length; i++) if (HOST[host.charCodeAt(i)] !== 1) return false;
  return true;
}

function printable(text: string): string {
  return text.replace(/[^\x20-\x7e]/g, '?').slice(0, 64);
}
