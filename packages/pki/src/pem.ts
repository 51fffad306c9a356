/** PEM text ⇄ DER bytes, including bundles of several certificates. */

export function toPem(label: string, der: ArrayBuffer | Uint8Array): string {
  const base64 = Buffer.from(der instanceof Uint8Array ? der : new Uint8Array(der)).toString(
    'base64',
  );
  const lines = base64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

/** Every block with `label` in the text, as DER, in order. */
export function fromPemAll(text: string, label: string): Uint8Array[] {
  const pattern = new RegExp(`-----BEGIN ${label}-----([\\s\\S]*?)-----END ${label}-----`, 'g');
  return [...text.matchAll(pattern)].map(
    (m) => new Uint8Array(Buffer.from(m[1]!.replace(/\s+/g, ''), 'base64')),
  );
}

/** The single block with `label`; throws naming what was missing. */
export function fromPem(text: string, label: string): Uint8Array {
  const [first] = fromPemAll(text, label);
  if (!first) throw new Error(`no "${label}" PEM block found`);
  return first;
}
