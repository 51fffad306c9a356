/**
 * The chunk-size line of the chunked coding (RFC 9112 §7.1):
 *   chunk = chunk-size [ chunk-ext ] CRLF chunk-data CRLF
 *   chunk-ext = *( BWS ";" BWS chunk-ext-name [ BWS "=" BWS chunk-ext-val ] )
 * Extensions are checked and dropped (no recipient of ours understands one), and bounded: a
 * peer that pads chunk lines with extensions to cost us CPU is refused.
 */
import { HEX_VALUE, HTAB, SP, TCHAR } from './chars.ts';
import { H1ParseError } from './errors.ts';

/** 2^53 - 1 has 14 hex digits; anything longer cannot be a length we could count. */
const MAX_SIZE_DIGITS = 13;

export function parseChunkSize(
  buf: Buffer,
  start: number,
  end: number,
  maxExtensionBytes: number,
): number {
  let i = start;
  let size = 0;
  while (i < end && HEX_VALUE[buf[i] as number] !== -1) {
    size = size * 16 + (HEX_VALUE[buf[i] as number] as number);
    i++;
  }
  if (i === start)
    throw new H1ParseError('BAD_CHUNK_SIZE', 400, 'a chunk size is not 1*HEXDIG (RFC 9112 §7.1)');
  if (i - start > MAX_SIZE_DIGITS) {
    throw new H1ParseError(
      'CHUNK_TOO_LARGE',
      400,
      `a chunk size of ${i - start} hex digits (RFC 9112 §7.1)`,
    );
  }
  if (i < end) checkExtensions(buf, i, end, maxExtensionBytes);
  return size;
}

function checkExtensions(buf: Buffer, start: number, end: number, max: number): void {
  if (end - start > max) {
    throw new H1ParseError(
      'CHUNK_EXTENSIONS_TOO_LONG',
      400,
      `chunk extensions of ${end - start} bytes, over the limit of ${max}`,
    );
  }
  let i = start;
  const malformed = () =>
    new H1ParseError('BAD_CHUNK_EXTENSION', 400, 'a malformed chunk extension (RFC 9112 §7.1.1)');
  const skipBws = () => {
    while (i < end && (buf[i] === SP || buf[i] === HTAB)) i++;
  };
  const token = () => {
    const from = i;
    while (i < end && TCHAR[buf[i] as number] === 1) i++;
    if (i === from) throw malformed();
  };
  while (i < end) {
    skipBws();
    if (buf[i] !== 0x3b /* ; */) throw malformed();
    i++;
    skipBws();
    token();
    skipBws();
    if (i < end && buf[i] === 0x3d /* = */) {
      i++;
      skipBws();
      if (buf[i] === 0x22 /* " */) quotedString();
      else token();
    }
  }

  function quotedString(): void {
    // quoted-string = DQUOTE *( qdtext / quoted-pair ) DQUOTE (RFC 9110 §5.6.4)
    i++;
    while (i < end) {
      const byte = buf[i] as number;
      if (byte === 0x22) {
        i++;
        return;
      }
      if (byte === 0x5c /* \ */) i++;
      else if (byte !== HTAB && (byte < 0x20 || byte === 0x7f)) throw malformed();
      i++;
    }
    throw malformed();
  }
}
