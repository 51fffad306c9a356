/**
 * One line of a message head at a time: the request line (RFC 9112 §3), the status line (§4)
 * and field lines (§5). Each works on a byte range of a buffer that holds the whole line without
 * its CRLF, so a line costs no copy unless it arrived split across reads.
 */
import { COLON, CR, FIELD_VALUE, HTAB, SP, TARGET, TCHAR } from './chars.ts';
import { H1ParseError } from './errors.ts';

export interface RequestLine {
  readonly method: string;
  readonly target: string;
  /** 1 for HTTP/1.1, 0 for HTTP/1.0. */
  readonly minor: 0 | 1;
}

export interface StatusLine {
  readonly status: number;
  readonly reason: string;
  readonly minor: 0 | 1;
}

const bad = (code: ConstructorParameters<typeof H1ParseError>[0], reason: string, status = 400) =>
  new H1ParseError(code, status, reason);

/** A CR anywhere but before the LF: RFC 9112 §2.2 makes a bare CR invalid. */
function bareCr(): H1ParseError {
  return bad('BARE_CR', 'a bare CR inside a line (RFC 9112 §2.2)');
}

export function parseRequestLine(buf: Buffer, start: number, end: number): RequestLine {
  let i = start;
  while (i < end && TCHAR[buf[i] as number] === 1) i++;
  if (i === start || i === end || buf[i] !== SP) {
    if (buf.indexOf(CR, start) !== -1 && buf.indexOf(CR, start) < end) throw bareCr();
    throw bad('BAD_METHOD', 'the method is not a token followed by one space (RFC 9112 §3)');
  }
  const method = buf.toString('latin1', start, i);
  const targetStart = ++i;
  while (i < end && TARGET[buf[i] as number] === 1) i++;
  if (i === targetStart || i === end || buf[i] !== SP) {
    // buf[end] is the line's own CR, so only a CR before it is a bare one.
    if (i < end && buf[i] === CR) throw bareCr();
    if (i === end && i > targetStart) {
      throw bad('BAD_REQUEST_LINE', 'no HTTP-version: an HTTP/0.9 request line (RFC 9112 §3)');
    }
    throw bad(
      'BAD_TARGET',
      'the request-target is empty or holds a byte that is not visible ASCII (RFC 9112 §3.2)',
    );
  }
  const target = buf.toString('latin1', targetStart, i);
  const minor = parseVersion(buf, i + 1, end, 'BAD_REQUEST_LINE');
  return { method, target, minor };
}

export function parseStatusLine(buf: Buffer, start: number, end: number): StatusLine {
  // HTTP-version SP 3DIGIT SP [ reason-phrase ]; a missing reason's SP is tolerated (§4).
  if (end - start < 12 || buf[start + 8] !== SP) {
    throw bad('BAD_STATUS_LINE', 'the status line is not "HTTP/1.x NNN reason" (RFC 9112 §4)', 502);
  }
  const minor = parseVersion(buf, start, start + 8, 'BAD_STATUS_LINE');
  let status = 0;
  for (let i = start + 9; i < start + 12; i++) {
    const digit = (buf[i] as number) - 0x30;
    if (digit < 0 || digit > 9) {
      throw bad('BAD_STATUS_LINE', 'the status code is not three digits (RFC 9112 §4)', 502);
    }
    status = status * 10 + digit;
  }
  if (status < 100)
    throw bad('BAD_STATUS_LINE', `status ${status} is below 100 (RFC 9110 §15)`, 502);
  if (end === start + 12) return { status, reason: '', minor };
  if (buf[start + 12] !== SP) {
    throw bad('BAD_STATUS_LINE', 'no space after the status code (RFC 9112 §4)', 502);
  }
  for (let i = start + 13; i < end; i++) {
    if (FIELD_VALUE[buf[i] as number] !== 1) {
      if (buf[i] === CR) throw bareCr();
      throw bad('BAD_STATUS_LINE', 'a control character in the reason phrase (RFC 9112 §4)', 502);
    }
  }
  return { status, reason: buf.toString('latin1', start + 13, end), minor };
}

/** "HTTP/1.1" or "HTTP/1.0" (§2.3); another well-formed version gets 505. */
function parseVersion(
  buf: Buffer,
  start: number,
  end: number,
  code: 'BAD_REQUEST_LINE' | 'BAD_STATUS_LINE',
): 0 | 1 {
  const status = code === 'BAD_STATUS_LINE' ? 502 : 400;
  if (
    end - start !== 8 ||
    buf.toString('latin1', start, start + 5) !== 'HTTP/' ||
    buf[start + 6] !== 0x2e
  ) {
    if (buf.indexOf(CR, start) !== -1 && buf.indexOf(CR, start) < end) throw bareCr();
    throw bad('BAD_VERSION', 'the HTTP version is not "HTTP/d.d" (RFC 9112 §2.3)', status);
  }
  const major = (buf[start + 5] as number) - 0x30;
  const minor = (buf[start + 7] as number) - 0x30;
  if (major < 0 || major > 9 || minor < 0 || minor > 9) {
    throw bad('BAD_VERSION', 'the HTTP version is not "HTTP/d.d" (RFC 9112 §2.3)', status);
  }
  if (major !== 1 || minor > 1) {
    throw bad(
      'UNSUPPORTED_VERSION',
      `HTTP/${major}.${minor} is not HTTP/1.0 or HTTP/1.1`,
      code === 'BAD_STATUS_LINE' ? 502 : 505,
    );
  }
  return minor as 0 | 1;
}

/**
 * `name: value` into `fields` as two entries, the name lower-cased and the value without its
 * surrounding whitespace (RFC 9112 §5).
 */
export function parseFieldLine(buf: Buffer, start: number, end: number, fields: string[]): void {
  const first = buf[start] as number;
  if (first === SP || first === HTAB) {
    // §5.2: obs-fold is refused, not unfolded, by a server that is not a user agent.
    throw bad('OBS_FOLD', 'a field line starts with whitespace: obs-fold (RFC 9112 §5.2)');
  }
  let i = start;
  while (i < end && TCHAR[buf[i] as number] === 1) i++;
  if (i === end || buf[i] !== COLON || i === start) {
    if (i < end && (buf[i] === SP || buf[i] === HTAB) && i > start) {
      // §5.1: "No whitespace is allowed between the field name and colon" — MUST reject.
      throw bad(
        'SPACE_BEFORE_COLON',
        'whitespace between a field name and its colon (RFC 9112 §5.1)',
      );
    }
    if (i < end && buf[i] === CR) throw bareCr();
    throw bad('BAD_FIELD_NAME', 'a field name is empty or not a token (RFC 9110 §5.1)');
  }
  const nameEnd = i++;
  while (i < end && (buf[i] === SP || buf[i] === HTAB)) i++;
  const valueStart = i;
  let valueEnd = i;
  for (; i < end; i++) {
    const byte = buf[i] as number;
    if (FIELD_VALUE[byte] !== 1) {
      if (byte === CR) throw bareCr();
      // §5.5: CR, LF and NUL MUST be refused; other CTLs are invalid field values too.
      throw bad(
        'BAD_FIELD_VALUE',
        `a control character (0x${byte.toString(16).padStart(2, '0')}) in a field value (RFC 9110 §5.5)`,
      );
    }
    if (byte !== SP && byte !== HTAB) valueEnd = i + 1;
  }
  fields.push(lowerName(buf, start, nameEnd), buf.toString('latin1', valueStart, valueEnd));
}

/** Field names are case-insensitive (RFC 9110 §5.1); most arrive lower case already. */
function lowerName(buf: Buffer, start: number, end: number): string {
  for (let i = start; i < end; i++) {
    const byte = buf[i] as number;
    if (byte >= 0x41 && byte <= 0x5a) return buf.toString('latin1', start, end).toLowerCase();
  }
  return buf.toString('latin1', start, end);
}
