/** Byte classes of RFC 9110 §5.6.2 (token) and §5.5 (field values), as lookup tables. */

function table(accepts: (byte: number) => boolean): Uint8Array {
  const result = new Uint8Array(256);
  for (let byte = 0; byte < 256; byte++) result[byte] = accepts(byte) ? 1 : 0;
  return result;
}

const isAlphaNum = (b: number) =>
  (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a);

/** tchar: "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "." / "^" / "_" / "`" / "|" / "~" / DIGIT / ALPHA */
export const TCHAR = table(
  (b) => isAlphaNum(b) || "!#$%&'*+-.^_`|~".includes(String.fromCharCode(b)),
);

/** field-vchar (VCHAR / obs-text) plus SP and HTAB inside a value; never CR, LF, NUL or other CTLs. */
export const FIELD_VALUE = table((b) => b === 0x09 || (b >= 0x20 && b <= 0x7e) || b >= 0x80);

/**
 * A request-target byte: visible ASCII. Stricter than llhttp, which lets obs-text through; the
 * URI grammar (RFC 3986 §2) has no byte above 0x7e, so a raw one is refused (RFC 9112 §3.2).
 */
export const TARGET = table((b) => b > 0x20 && b < 0x7f);

/** uri-host [ ":" port ] (RFC 9110 §7.2): reg-name, IP literals in brackets, and the port. */
export const HOST = table(
  (b) => isAlphaNum(b) || "-._~!$&'()*+,;=%:[]".includes(String.fromCharCode(b)),
);

export const HEX_VALUE = (() => {
  const result = new Int8Array(256).fill(-1);
  for (let digit = 0; digit < 10; digit++) result[0x30 + digit] = digit;
  for (let letter = 0; letter < 6; letter++) {
    result[0x41 + letter] = 10 + letter;
    result[0x61 + letter] = 10 + letter;
  }
  return result;
})();

export const CR = 0x0d;
export const LF = 0x0a;
export const SP = 0x20;
export const HTAB = 0x09;
export const COLON = 0x3a;
