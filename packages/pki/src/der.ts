/**
 * Just enough DER to split a signed structure (a certificate or a CSR:
 * SEQUENCE { toBeSigned, signatureAlgorithm, BIT STRING signature }) into the exact bytes that
 * were signed and the signature, so node:crypto can check it without re-encoding anything.
 */

interface Element {
  /** Offset of the element's first byte (its tag). */
  readonly start: number;
  /** Offset of its contents, and one past its end. */
  readonly contentStart: number;
  readonly end: number;
  readonly tag: number;
}

function readElement(der: Uint8Array, offset: number): Element {
  const tag = der[offset];
  let lengthByte = der[offset + 1];
  if (tag === undefined || lengthByte === undefined) throw new Error('truncated DER');
  let length = lengthByte;
  let contentStart = offset + 2;
  if (lengthByte & 0x80) {
    const count = lengthByte & 0x7f;
    if (count === 0 || count > 4) throw new Error('unsupported DER length');
    length = 0;
    for (let i = 0; i < count; i++) {
      lengthByte = der[offset + 2 + i];
      if (lengthByte === undefined) throw new Error('truncated DER');
      length = length * 256 + lengthByte;
    }
    contentStart += count;
  }
  const end = contentStart + length;
  if (end > der.length) throw new Error('truncated DER');
  return { start: offset, contentStart, end, tag };
}

const SEQUENCE = 0x30;
const BIT_STRING = 0x03;

export function splitSigned(der: Uint8Array): { toBeSigned: Uint8Array; signature: Uint8Array } {
  const outer = readElement(der, 0);
  if (outer.tag !== SEQUENCE) throw new Error('not a DER SEQUENCE');
  const tbs = readElement(der, outer.contentStart);
  const algorithm = readElement(der, tbs.end);
  const signature = readElement(der, algorithm.end);
  if (tbs.tag !== SEQUENCE || signature.tag !== BIT_STRING)
    throw new Error('not a signed structure');
  return {
    toBeSigned: der.subarray(tbs.start, tbs.end),
    // The first content byte of a BIT STRING counts unused bits; a signature has none.
    signature: der.subarray(signature.contentStart + 1, signature.end),
  };
}
