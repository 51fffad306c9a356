/**
 * Malformed and smuggling requests, each a whole request as it goes on the wire, with the rule it
 * breaks and what our parser answers. The parser's own tests check every entry against
 * RequestParser; an end-to-end test sends each on a raw socket to a real proxy and checks the
 * answer (4xx/5xx or a close) and that the app behind it never sees the request.
 *
 * `refused` says where the parser stops:
 * - 'head': the head itself is bad; nothing is forwarded, the app sees nothing.
 * - 'body': the head is well formed and may already be on its way to the app, but the body's
 *   framing is bad; the body is cut and the request never completes, so an app that only acts on
 *   a complete request acts on none of these.
 */
import type { H1ErrorCode } from '../errors.ts';

export interface MalformedRequest {
  /** Stable, unique, kebab-case: tests and logs refer to entries by name. */
  readonly name: string;
  /** The bytes, latin1 (one char, one byte), a whole request as a client would send it. */
  readonly raw: string;
  /** The RFC clause the request breaks, or the limit it exceeds. */
  readonly clause: string;
  readonly status: 400 | 411 | 413 | 414 | 431 | 501 | 505;
  readonly code: H1ErrorCode;
  readonly refused: 'head' | 'body';
}

const HEAD = 'POST / HTTP/1.1\r\nHost: app\r\n';
const CHUNKED = `${HEAD}Transfer-Encoding: chunked\r\n\r\n`;

/** A request with one extra field line (raw, without its CRLF) and an optional body. */
const withField = (line: string, body = '') => `${HEAD}${line}\r\n\r\n${body}`;
const getWith = (lines: string) => `GET / HTTP/1.1\r\n${lines}\r\n`;

const fieldBlock = (count: number, valueBytes: number) =>
  Array.from({ length: count }, (_, i) => `x-f${i}: ${'v'.repeat(valueBytes)}\r\n`).join('');

export const smugglingCorpus: readonly MalformedRequest[] = [
  // Content-Length and Transfer-Encoding together (the CL.TE and TE.CL attacks).
  {
    name: 'cl-then-te',
    raw: `${HEAD}Content-Length: 6\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nX`,
    clause: 'RFC 9112 §6.1 (a server may refuse CL with TE; §6.3 item 3 makes TE win)',
    status: 400,
    code: 'CONTENT_LENGTH_WITH_TRANSFER_ENCODING',
    refused: 'head',
  },
  {
    name: 'te-then-cl',
    raw: `${HEAD}Transfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n8\r\nSMUGGLED\r\n0\r\n\r\n`,
    clause: 'RFC 9112 §6.1',
    status: 400,
    code: 'CONTENT_LENGTH_WITH_TRANSFER_ENCODING',
    refused: 'head',
  },
  {
    name: 'cl-with-te-in-other-case',
    raw: `${HEAD}content-length: 4\r\nTRANSFER-ENCODING: CHUNKED\r\n\r\n0\r\n\r\n`,
    clause: 'RFC 9112 §6.1; field names are case-insensitive (RFC 9110 §5.1)',
    status: 400,
    code: 'CONTENT_LENGTH_WITH_TRANSFER_ENCODING',
    refused: 'head',
  },
  // Content-Length values.
  {
    name: 'cl-repeated-equal',
    raw: withField('Content-Length: 3\r\nContent-Length: 3', 'abc'),
    clause: 'RFC 9112 §6.3 item 5 (a proxy refuses what RFC 9110 §8.6 lets a recipient merge)',
    status: 400,
    code: 'SEVERAL_CONTENT_LENGTHS',
    refused: 'head',
  },
  {
    name: 'cl-repeated-different',
    raw: withField('Content-Length: 3\r\nContent-Length: 30', 'abc'),
    clause: 'RFC 9112 §6.3 item 5',
    status: 400,
    code: 'SEVERAL_CONTENT_LENGTHS',
    refused: 'head',
  },
  {
    name: 'cl-list',
    raw: withField('Content-Length: 3, 3', 'abc'),
    clause: 'RFC 9110 §8.6 (Content-Length = 1*DIGIT)',
    status: 400,
    code: 'BAD_CONTENT_LENGTH',
    refused: 'head',
  },
  {
    name: 'cl-negative',
    raw: withField('Content-Length: -1', 'abc'),
    clause: 'RFC 9110 §8.6',
    status: 400,
    code: 'BAD_CONTENT_LENGTH',
    refused: 'head',
  },
  {
    name: 'cl-plus-sign',
    raw: withField('Content-Length: +3', 'abc'),
    clause: 'RFC 9110 §8.6',
    status: 400,
    code: 'BAD_CONTENT_LENGTH',
    refused: 'head',
  },
  {
    name: 'cl-hex',
    raw: withField('Content-Length: 0x3', 'abc'),
    clause: 'RFC 9110 §8.6',
    status: 400,
    code: 'BAD_CONTENT_LENGTH',
    refused: 'head',
  },
  {
    name: 'cl-space-inside',
    raw: withField('Content-Length: 1 2', 'abcdefghijkl'),
    clause: 'RFC 9110 §8.6',
    status: 400,
    code: 'BAD_CONTENT_LENGTH',
    refused: 'head',
  },
  {
    name: 'cl-empty',
    raw: withField('Content-Length:', 'abc'),
    clause: 'RFC 9110 §8.6',
    status: 400,
    code: 'BAD_CONTENT_LENGTH',
    refused: 'head',
  },
  {
    name: 'cl-beyond-2-to-the-53',
    raw: withField('Content-Length: 18446744073709551617', 'abc'),
    clause: 'RFC 9110 §8.6 (a length no recipient counts exactly, RFC 9112 §6.3 item 5)',
    status: 400,
    code: 'BAD_CONTENT_LENGTH',
    refused: 'head',
  },
  // Transfer-Encoding values other than one final `chunked`.
  {
    name: 'te-chunked-then-identity',
    raw: withField('Transfer-Encoding: chunked, identity', '0\r\n\r\n'),
    clause: 'RFC 9112 §6.3 item 4 (chunked must be the final coding)',
    status: 400,
    code: 'TRANSFER_ENCODING_NOT_CHUNKED',
    refused: 'head',
  },
  {
    name: 'te-xchunked',
    raw: withField('Transfer-Encoding: xchunked', '0\r\n\r\n'),
    clause: 'RFC 9112 §6.3 item 4',
    status: 400,
    code: 'TRANSFER_ENCODING_NOT_CHUNKED',
    refused: 'head',
  },
  {
    name: 'te-identity',
    raw: withField('Transfer-Encoding: identity', 'abc'),
    clause: 'RFC 9112 §6.3 item 4 (identity was removed in RFC 7230)',
    status: 400,
    code: 'TRANSFER_ENCODING_NOT_CHUNKED',
    refused: 'head',
  },
  {
    name: 'te-quoted-chunked',
    raw: withField('Transfer-Encoding: "chunked"', '0\r\n\r\n'),
    clause: 'RFC 9112 §6.1 (transfer-coding is a token)',
    status: 400,
    code: 'TRANSFER_ENCODING_NOT_CHUNKED',
    refused: 'head',
  },
  {
    name: 'te-empty',
    raw: withField('Transfer-Encoding:', '0\r\n\r\n'),
    clause: 'RFC 9112 §6.1',
    status: 400,
    code: 'TRANSFER_ENCODING_NOT_CHUNKED',
    refused: 'head',
  },
  {
    name: 'te-chunked-twice-in-one-field',
    raw: withField('Transfer-Encoding: chunked, chunked', '0\r\n\r\n'),
    clause: 'RFC 9112 §7 (chunked MUST NOT be applied more than once)',
    status: 400,
    code: 'TRANSFER_ENCODING_NOT_CHUNKED',
    refused: 'head',
  },
  {
    name: 'te-chunked-in-two-fields',
    raw: withField('Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked', '0\r\n\r\n'),
    clause: 'RFC 9112 §7 (two fields are one list, RFC 9110 §5.3)',
    status: 400,
    code: 'TRANSFER_ENCODING_NOT_CHUNKED',
    refused: 'head',
  },
  {
    name: 'te-chunked-then-gzip',
    raw: withField('Transfer-Encoding: chunked, gzip', '0\r\n\r\n'),
    clause: 'RFC 9112 §6.3 item 4',
    status: 400,
    code: 'TRANSFER_ENCODING_NOT_CHUNKED',
    refused: 'head',
  },
  {
    name: 'te-gzip-then-chunked',
    raw: withField('Transfer-Encoding: gzip, chunked', '0\r\n\r\n'),
    clause: 'RFC 9112 §6.1 (a coding the server does not implement: 501)',
    status: 501,
    code: 'UNKNOWN_TRANSFER_CODING',
    refused: 'head',
  },
  {
    name: 'te-chunked-vertical-tab',
    raw: withField('Transfer-Encoding: chunked\x0b', '0\r\n\r\n'),
    clause: 'RFC 9110 §5.5 (a CTL in a field value)',
    status: 400,
    code: 'BAD_FIELD_VALUE',
    refused: 'head',
  },
  {
    name: 'te-chunked-nul',
    raw: withField('Transfer-Encoding: chunked\0', '0\r\n\r\n'),
    clause: 'RFC 9110 §5.5 (NUL MUST be refused)',
    status: 400,
    code: 'BAD_FIELD_VALUE',
    refused: 'head',
  },
  {
    name: 'te-by-obs-fold',
    raw: withField('Transfer-Encoding:\r\n chunked', '0\r\n\r\n'),
    clause: 'RFC 9112 §5.2 (obs-fold is refused)',
    status: 400,
    code: 'OBS_FOLD',
    refused: 'head',
  },
  {
    name: 'te-space-before-colon',
    raw: withField('Transfer-Encoding : chunked', '0\r\n\r\n'),
    clause: 'RFC 9112 §5.1 (no whitespace between field name and colon: MUST reject)',
    status: 400,
    code: 'SPACE_BEFORE_COLON',
    refused: 'head',
  },
  {
    name: 'te-in-http-1-0',
    raw: 'POST / HTTP/1.0\r\nHost: app\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
    clause: 'RFC 9112 §6.1 (TE in HTTP/1.0: faulty framing)',
    status: 400,
    code: 'TRANSFER_ENCODING_IN_HTTP_1_0',
    refused: 'head',
  },
  // Line structure.
  {
    name: 'obs-fold',
    raw: getWith('Host: app\r\nX-A: a\r\n b\r\n'),
    clause: 'RFC 9112 §5.2',
    status: 400,
    code: 'OBS_FOLD',
    refused: 'head',
  },
  {
    name: 'first-field-starts-with-space',
    raw: `${HEAD} Content-Length: 3\r\n\r\nabc`,
    clause: 'RFC 9112 §2.2 (whitespace before the first field line) and §5.2',
    status: 400,
    code: 'OBS_FOLD',
    refused: 'head',
  },
  {
    name: 'bare-cr-in-field-line',
    raw: getWith('Host: app\rX-A: b\r\n'),
    clause: 'RFC 9112 §2.2 (a bare CR is invalid)',
    status: 400,
    code: 'BARE_CR',
    refused: 'head',
  },
  {
    name: 'bare-lf-after-request-line',
    raw: 'GET / HTTP/1.1\nHost: app\r\n\r\n',
    clause: 'RFC 9112 §2.2 (lines end with CRLF; we do not accept a bare LF)',
    status: 400,
    code: 'BARE_LF',
    refused: 'head',
  },
  {
    name: 'bare-lf-after-field-line',
    raw: 'GET / HTTP/1.1\r\nHost: app\nX-A: b\r\n\r\n',
    clause: 'RFC 9112 §2.2',
    status: 400,
    code: 'BARE_LF',
    refused: 'head',
  },
  {
    name: 'bare-lf-ending-the-head',
    raw: 'GET / HTTP/1.1\r\nHost: app\r\n\n',
    clause: 'RFC 9112 §2.2',
    status: 400,
    code: 'BARE_LF',
    refused: 'head',
  },
  {
    name: 'bare-lf-hides-content-length',
    raw: `${HEAD}X-A: b\nContent-Length: 3\r\n\r\nabc`,
    clause: 'RFC 9112 §2.2 (a bare-LF recipient sees a Content-Length the others do not)',
    status: 400,
    code: 'BARE_LF',
    refused: 'head',
  },
  {
    name: 'nul-in-field-value',
    raw: getWith('Host: app\r\nX-A: a\0b\r\n'),
    clause: 'RFC 9110 §5.5 (NUL MUST be refused)',
    status: 400,
    code: 'BAD_FIELD_VALUE',
    refused: 'head',
  },
  {
    name: 'ctl-0x01-in-field-value',
    raw: getWith('Host: app\r\nX-A: a\x01b\r\n'),
    clause: 'RFC 9110 §5.5 (field-vchar excludes CTLs)',
    status: 400,
    code: 'BAD_FIELD_VALUE',
    refused: 'head',
  },
  {
    name: 'del-in-field-value',
    raw: getWith('Host: app\r\nX-A: a\x7fb\r\n'),
    clause: 'RFC 9110 §5.5',
    status: 400,
    code: 'BAD_FIELD_VALUE',
    refused: 'head',
  },
  {
    name: 'nul-in-field-name',
    raw: getWith('Host: app\r\nX\0A: b\r\n'),
    clause: 'RFC 9110 §5.1 (field-name = token)',
    status: 400,
    code: 'BAD_FIELD_NAME',
    refused: 'head',
  },
  {
    name: 'space-before-colon',
    raw: getWith('Host : app\r\n'),
    clause: 'RFC 9112 §5.1',
    status: 400,
    code: 'SPACE_BEFORE_COLON',
    refused: 'head',
  },
  {
    name: 'tab-before-colon',
    raw: `${HEAD}Content-Length\t: 3\r\n\r\nabc`,
    clause: 'RFC 9112 §5.1',
    status: 400,
    code: 'SPACE_BEFORE_COLON',
    refused: 'head',
  },
  {
    name: 'field-name-with-brackets',
    raw: getWith('Host: app\r\nX[A]: b\r\n'),
    clause: 'RFC 9110 §5.1 (field-name = token, RFC 9110 §5.6.2)',
    status: 400,
    code: 'BAD_FIELD_NAME',
    refused: 'head',
  },
  {
    name: 'empty-field-name',
    raw: getWith('Host: app\r\n: b\r\n'),
    clause: 'RFC 9110 §5.1',
    status: 400,
    code: 'BAD_FIELD_NAME',
    refused: 'head',
  },
  {
    name: 'field-line-without-colon',
    raw: getWith('Host: app\r\nContent-Length 3\r\n'),
    clause: 'RFC 9112 §5 (field-line = field-name ":" OWS field-value OWS)',
    status: 400,
    // What follows the name is whitespace, where only the colon may be (§5.1).
    code: 'SPACE_BEFORE_COLON',
    refused: 'head',
  },
  // Request line.
  {
    name: 'method-with-parenthesis',
    raw: 'G(T / HTTP/1.1\r\nHost: app\r\n\r\n',
    clause: 'RFC 9110 §9.1 (method = token)',
    status: 400,
    code: 'BAD_METHOD',
    refused: 'head',
  },
  {
    name: 'method-with-nul',
    raw: 'GE\0T / HTTP/1.1\r\nHost: app\r\n\r\n',
    clause: 'RFC 9110 §9.1',
    status: 400,
    code: 'BAD_METHOD',
    refused: 'head',
  },
  {
    name: 'tabs-between-request-line-parts',
    raw: 'GET\t/\tHTTP/1.1\r\nHost: app\r\n\r\n',
    clause: 'RFC 9112 §3 (one SP between the parts; we do not take other whitespace)',
    status: 400,
    code: 'BAD_METHOD',
    refused: 'head',
  },
  {
    name: 'two-spaces-after-method',
    raw: 'GET  / HTTP/1.1\r\nHost: app\r\n\r\n',
    clause: 'RFC 9112 §3',
    status: 400,
    code: 'BAD_TARGET',
    refused: 'head',
  },
  {
    name: 'http-0-9-style-request-line',
    raw: 'GET /\r\n\r\n',
    clause: 'RFC 9112 §3 (request-line = method SP request-target SP HTTP-version)',
    status: 400,
    code: 'BAD_REQUEST_LINE',
    refused: 'head',
  },
  {
    name: 'http-1-2',
    raw: 'GET / HTTP/1.2\r\nHost: app\r\n\r\n',
    clause: 'RFC 9112 §2.3 (505 for a major/minor we do not speak)',
    status: 505,
    code: 'UNSUPPORTED_VERSION',
    refused: 'head',
  },
  {
    name: 'http-2-0-request-line',
    raw: 'GET / HTTP/2.0\r\nHost: app\r\n\r\n',
    clause: 'RFC 9112 §2.3',
    status: 505,
    code: 'UNSUPPORTED_VERSION',
    refused: 'head',
  },
  {
    name: 'lower-case-version',
    raw: 'GET / http/1.1\r\nHost: app\r\n\r\n',
    clause: 'RFC 9112 §2.3 (HTTP-name is case-sensitive)',
    status: 400,
    code: 'BAD_VERSION',
    refused: 'head',
  },
  {
    name: 'space-after-version',
    raw: 'GET / HTTP/1.1 \r\nHost: app\r\n\r\n',
    clause: 'RFC 9112 §3',
    status: 400,
    code: 'BAD_VERSION',
    refused: 'head',
  },
  {
    name: 'absolute-target-with-space',
    raw: 'GET http://app/a b HTTP/1.1\r\nHost: app\r\n\r\n',
    clause: 'RFC 9112 §3.2 (no whitespace in a request-target)',
    status: 400,
    code: 'BAD_VERSION',
    refused: 'head',
  },
  {
    name: 'raw-byte-above-0x7f-in-target',
    raw: 'GET /caf\xe9 HTTP/1.1\r\nHost: app\r\n\r\n',
    clause: 'RFC 9112 §3.2 and RFC 3986 §2 (a raw byte over 0x7e is not in the URI grammar)',
    status: 400,
    code: 'BAD_TARGET',
    refused: 'head',
  },
  {
    name: 'relative-target',
    raw: 'GET app/a HTTP/1.1\r\nHost: app\r\n\r\n',
    clause: 'RFC 9112 §3.2 (origin-form starts with /)',
    status: 400,
    code: 'BAD_TARGET',
    refused: 'head',
  },
  {
    name: 'asterisk-form-with-get',
    raw: 'GET * HTTP/1.1\r\nHost: app\r\n\r\n',
    clause: 'RFC 9112 §3.2.4 (asterisk-form is for OPTIONS only)',
    status: 400,
    code: 'BAD_TARGET',
    refused: 'head',
  },
  {
    name: 'connect',
    raw: 'CONNECT app:443 HTTP/1.1\r\nHost: app:443\r\n\r\n',
    clause: 'RFC 9110 §9.3.6 (this proxy offers no tunnels: 501)',
    status: 501,
    code: 'UNSUPPORTED_METHOD',
    refused: 'head',
  },
  // Host.
  {
    name: 'no-host',
    raw: 'GET / HTTP/1.1\r\n\r\n',
    clause: 'RFC 9112 §3.2 (an HTTP/1.1 request without Host: 400)',
    status: 400,
    code: 'NO_HOST',
    refused: 'head',
  },
  {
    name: 'two-hosts',
    raw: getWith('Host: app\r\nHost: evil\r\n'),
    clause: 'RFC 9112 §3.2 (more than one Host: 400)',
    status: 400,
    code: 'SEVERAL_HOSTS',
    refused: 'head',
  },
  {
    name: 'host-with-space',
    raw: getWith('Host: app evil\r\n'),
    clause: 'RFC 9110 §7.2 (Host = uri-host [ ":" port ]) and RFC 9112 §3.2',
    status: 400,
    code: 'BAD_HOST',
    refused: 'head',
  },
  {
    name: 'host-with-userinfo',
    raw: getWith('Host: user@evil\r\n'),
    clause: 'RFC 9110 §7.2 (no userinfo in Host)',
    status: 400,
    code: 'BAD_HOST',
    refused: 'head',
  },
  {
    name: 'host-with-slash',
    raw: getWith('Host: app/evil\r\n'),
    clause: 'RFC 9110 §7.2',
    status: 400,
    code: 'BAD_HOST',
    refused: 'head',
  },
  {
    name: 'host-with-obs-text',
    raw: getWith('Host: caf\xe9\r\n'),
    clause: 'RFC 9110 §7.2 (reg-name is ASCII; IDNs travel as A-labels)',
    status: 400,
    code: 'BAD_HOST',
    refused: 'head',
  },
  // Limits.
  {
    name: 'request-line-over-8-kib',
    raw: `GET /${'a'.repeat(8 * 1024)} HTTP/1.1\r\nHost: app\r\n\r\n`,
    clause: 'RFC 9112 §3 (a server answers 414 to a target longer than it accepts)',
    status: 414,
    code: 'REQUEST_LINE_TOO_LONG',
    refused: 'head',
  },
  {
    name: 'header-section-over-64-kib',
    raw: getWith(`Host: app\r\n${fieldBlock(80, 1000)}`),
    clause: 'RFC 6585 §5 (431) and RFC 9112 §5 (a limit on the header section)',
    status: 431,
    code: 'HEADERS_TOO_LARGE',
    refused: 'head',
  },
  {
    name: 'over-100-fields',
    raw: getWith(`Host: app\r\n${fieldBlock(100, 1)}`),
    clause: 'RFC 6585 §5 (431 for too many fields)',
    status: 431,
    code: 'TOO_MANY_FIELDS',
    refused: 'head',
  },
  // Chunked body framing: the head is fine, the body is cut.
  {
    name: 'chunk-size-not-hex',
    raw: `${CHUNKED}zz\r\nabc\r\n0\r\n\r\n`,
    clause: 'RFC 9112 §7.1 (chunk-size = 1*HEXDIG)',
    status: 400,
    code: 'BAD_CHUNK_SIZE',
    refused: 'body',
  },
  {
    name: 'chunk-size-0x-prefix',
    raw: `${CHUNKED}0x3\r\nabc\r\n0\r\n\r\n`,
    clause: 'RFC 9112 §7.1 (no 0x; "0" then "x" is not a chunk-ext)',
    status: 400,
    code: 'BAD_CHUNK_EXTENSION',
    refused: 'body',
  },
  {
    name: 'chunk-size-negative',
    raw: `${CHUNKED}-3\r\nabc\r\n0\r\n\r\n`,
    clause: 'RFC 9112 §7.1',
    status: 400,
    code: 'BAD_CHUNK_SIZE',
    refused: 'body',
  },
  {
    name: 'chunk-size-empty',
    raw: `${CHUNKED}\r\nabc\r\n0\r\n\r\n`,
    clause: 'RFC 9112 §7.1',
    status: 400,
    code: 'BAD_CHUNK_SIZE',
    refused: 'body',
  },
  {
    name: 'chunk-size-overflowing-64-bits',
    raw: `${CHUNKED}10000000000000003\r\nabc\r\n0\r\n\r\n`,
    clause: 'RFC 9112 §7.1 (a size that wraps in a 64-bit counter)',
    status: 400,
    code: 'CHUNK_TOO_LARGE',
    refused: 'body',
  },
  {
    name: 'chunk-size-with-space-inside',
    raw: `${CHUNKED}3 3\r\nabc\r\n0\r\n\r\n`,
    clause: 'RFC 9112 §7.1.1 (after the size only BWS ";" chunk-ext)',
    status: 400,
    code: 'BAD_CHUNK_EXTENSION',
    refused: 'body',
  },
  {
    name: 'chunk-extension-over-1-kib',
    raw: `${CHUNKED}3;${'a'.repeat(1100)}\r\nabc\r\n0\r\n\r\n`,
    clause: 'RFC 9112 §7.1.1 (a server limits chunk extensions; abuse costs CPU)',
    status: 400,
    code: 'CHUNK_EXTENSIONS_TOO_LONG',
    refused: 'body',
  },
  {
    name: 'chunk-extension-unterminated-quote',
    raw: `${CHUNKED}3;a="b\r\nabc\r\n0\r\n\r\n`,
    clause: 'RFC 9112 §7.1.1 (quoted-string, RFC 9110 §5.6.4)',
    status: 400,
    code: 'BAD_CHUNK_EXTENSION',
    refused: 'body',
  },
  {
    name: 'chunk-data-without-crlf',
    raw: `${CHUNKED}3\r\nabc0\r\n\r\n`,
    clause: 'RFC 9112 §7.1 (chunk = chunk-size [ chunk-ext ] CRLF chunk-data CRLF)',
    status: 400,
    code: 'BAD_CHUNK_END',
    refused: 'body',
  },
  {
    name: 'chunk-data-longer-than-its-size',
    raw: `${CHUNKED}3\r\nabcdef\r\n0\r\n\r\n`,
    clause: 'RFC 9112 §7.1',
    status: 400,
    code: 'BAD_CHUNK_END',
    refused: 'body',
  },
  {
    name: 'chunk-data-ended-by-bare-lf',
    raw: `${CHUNKED}3\r\nabc\n0\r\n\r\n`,
    clause: 'RFC 9112 §7.1 and §2.2',
    status: 400,
    code: 'BAD_CHUNK_END',
    refused: 'body',
  },
  {
    name: 'chunk-size-ended-by-bare-lf',
    raw: `${CHUNKED}3\nabc\r\n0\r\n\r\n`,
    clause: 'RFC 9112 §7.1 and §2.2',
    status: 400,
    code: 'BARE_LF',
    refused: 'body',
  },
  {
    name: 'trailer-with-space-before-colon',
    raw: `${CHUNKED}3\r\nabc\r\n0\r\nX-T : 1\r\n\r\n`,
    clause: 'RFC 9112 §7.1.2 (trailer fields are field lines, §5.1)',
    status: 400,
    code: 'SPACE_BEFORE_COLON',
    refused: 'body',
  },
  {
    name: 'trailer-with-obs-fold',
    raw: `${CHUNKED}3\r\nabc\r\n0\r\nX-T: 1\r\n 2\r\n\r\n`,
    clause: 'RFC 9112 §7.1.2 and §5.2',
    status: 400,
    code: 'OBS_FOLD',
    refused: 'body',
  },
];

export interface PipelinedRequests {
  readonly name: string;
  /** Several requests in one write; each must be answered, in this order. */
  readonly raw: string;
  /** The targets the app sees, in order. */
  readonly targets: readonly string[];
}

/** Valid pipelines (RFC 9112 §9.3.2: a server answers pipelined requests in the order received). */
export const pipelinedRequests: readonly PipelinedRequests[] = [
  {
    name: 'three-gets',
    raw:
      'GET /one HTTP/1.1\r\nHost: app\r\n\r\n' +
      'GET /two HTTP/1.1\r\nHost: app\r\n\r\n' +
      'GET /three HTTP/1.1\r\nHost: app\r\n\r\n',
    targets: ['/one', '/two', '/three'],
  },
  {
    name: 'bodies-of-both-framings-between-gets',
    raw:
      'POST /length HTTP/1.1\r\nHost: app\r\nContent-Length: 5\r\n\r\nhello' +
      'POST /chunked HTTP/1.1\r\nHost: app\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n' +
      'GET /after HTTP/1.1\r\nHost: app\r\n\r\n',
    targets: ['/length', '/chunked', '/after'],
  },
  {
    name: 'a-body-that-looks-like-a-request',
    raw:
      'POST /outer HTTP/1.1\r\nHost: app\r\nContent-Length: 30\r\n\r\nGET /inner HTTP/1.1\r\nHost: x\r\n' +
      'GET /last HTTP/1.1\r\nHost: app\r\nConnection: close\r\n\r\n',
    targets: ['/outer', '/last'],
  },
];
