/**
 * Message heads and chunk framing as bytes (RFC 9112 §3–§7). Heads are built as one latin1
 * string and written in one call. Values are checked for CR, LF and NUL: a layer must never be
 * able to split a message by putting a line break into a header (response splitting).
 */
import type { HeaderList } from '../http/headers.ts';
import { reasonPhrase } from './errors.ts';

const UNSAFE_VALUE = /[\r\n\0]/;
const UNSAFE_NAME = /[^!#$%&'*+\-.^_`|~0-9A-Za-z]/;

export function requestHead(
  method: string,
  target: string,
  headers: HeaderList,
  extra: string,
): string {
  return `${method} ${target} HTTP/1.1\r\n${fieldLines(headers)}${extra}\r\n`;
}

export function responseHead(status: number, headers: HeaderList, extra: string): string {
  return `HTTP/1.1 ${status} ${reasonPhrase(status)}\r\n${fieldLines(headers)}${extra}\r\n`;
}

/** `name: value\r\n` for each field; repeated fields as repeated lines (RFC 9110 §5.3). */
export function fieldLines(headers: HeaderList): string {
  let text = '';
  for (let i = 0; i < headers.size; i++) text += line(headers.nameAt(i), headers.valueAt(i));
  return text;
}

function line(name: string, value: string): string {
  if (UNSAFE_VALUE.test(value) || UNSAFE_NAME.test(name) || name.length === 0) {
    throw new TypeError(`header "${name.slice(0, 64)}" has a name or value that cannot be sent`);
  }
  return `${name}: ${value}\r\n`;
}

/** The size line of one chunk of `length` bytes (RFC 9112 §7.1). */
export function chunkHeader(length: number): string {
  return `${length.toString(16)}\r\n`;
}

export const CHUNK_END = '\r\n';
/** The last chunk and an empty trailer section. */
export const LAST_CHUNK = '0\r\n\r\n';

/** The last chunk followed by trailer fields. */
export function lastChunkWithTrailers(trailers: HeaderList): string {
  return `0\r\n${fieldLines(trailers)}\r\n`;
}
