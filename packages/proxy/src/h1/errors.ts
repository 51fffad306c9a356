/**
 * Why the parser refused a message. The status is what a server answers before closing the
 * connection (a client turns the same error into a 502); the code is stable, for logs and
 * tests; the reason names the rule broken, with the RFC 9112 / 9110 clause.
 */
import { STATUS_CODES } from 'node:http';

export type H1ErrorCode =
  | 'BAD_REQUEST_LINE'
  | 'BAD_STATUS_LINE'
  | 'BAD_VERSION'
  | 'UNSUPPORTED_VERSION'
  | 'BAD_METHOD'
  | 'BAD_TARGET'
  | 'BARE_CR'
  | 'BARE_LF'
  | 'BAD_FIELD_NAME'
  | 'BAD_FIELD_VALUE'
  | 'SPACE_BEFORE_COLON'
  | 'OBS_FOLD'
  | 'NO_HOST'
  | 'SEVERAL_HOSTS'
  | 'BAD_HOST'
  | 'BAD_CONTENT_LENGTH'
  | 'SEVERAL_CONTENT_LENGTHS'
  | 'CONTENT_LENGTH_WITH_TRANSFER_ENCODING'
  | 'TRANSFER_ENCODING_NOT_CHUNKED'
  | 'UNKNOWN_TRANSFER_CODING'
  | 'TRANSFER_ENCODING_IN_HTTP_1_0'
  | 'BAD_CHUNK_SIZE'
  | 'CHUNK_TOO_LARGE'
  | 'BAD_CHUNK_EXTENSION'
  | 'CHUNK_EXTENSIONS_TOO_LONG'
  | 'BAD_CHUNK_END'
  | 'BODY_TOO_LARGE'
  | 'REQUEST_LINE_TOO_LONG'
  | 'HEADERS_TOO_LARGE'
  | 'TOO_MANY_FIELDS'
  | 'UNSUPPORTED_METHOD'
  | 'INCOMPLETE_MESSAGE'
  | 'HEADER_TIMEOUT'
  | 'DATA_AFTER_CLOSE';

export class H1ParseError extends Error {
  readonly code: H1ErrorCode;
  /** 400, 411, 413, 414, 431, 501 or 505. */
  readonly status: number;

  constructor(code: H1ErrorCode, status: number, reason: string) {
    super(reason);
    this.name = 'H1ParseError';
    this.code = code;
    this.status = status;
  }
}

/**
 * Reason phrases (RFC 9110 §15) by status: node's table of the IANA registry, with RFC 9110's
 * newer names where they changed. A client ignores the phrase (RFC 9112 §4); a status nobody
 * registered still gets one, so the status line stays well-formed.
 */
const REASON_PHRASES: Readonly<Record<number, string>> = {
  ...STATUS_CODES,
  413: 'Content Too Large',
  422: 'Unprocessable Content',
};

export function reasonPhrase(status: number): string {
  return REASON_PHRASES[status] ?? 'Unknown';
}
