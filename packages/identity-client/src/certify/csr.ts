/**
 * The workload's CSR (PKCS #10, RFC 2986), written as DER by hand and signed with node:crypto.
 * A sidecar makes exactly one shape of request: subject CN = identity name, an extension
 * request with the DNS and SPIFFE URI SANs, ECDSA P-256 with SHA-256. An ASN.1 library for that
 * (@peculiar/x509 and its schema classes) took ~240 ms of a sidecar's ~700 ms start just to
 * load; these forty lines take none. The identity service still parses requests with the full
 * library (@fusion/pki's inspectCsr), and csr.test.ts checks the two agree byte for byte.
 */
import { type KeyObject, sign } from 'node:crypto';
import type { WorkloadIdentity } from '@fusion/pki';

const OID = {
  commonName: '2.5.4.3',
  extensionRequest: '1.2.840.113549.1.9.14',
  subjectAltName: '2.5.29.17',
  ecdsaWithSha256: '1.2.840.10045.4.3.2',
} as const;

/** A CSR for exactly `identity` (its DNS name and SPIFFE ID), signed by `privateKey`. DER. */
export function createWorkloadCsr(
  privateKey: KeyObject,
  publicKey: KeyObject,
  identity: WorkloadIdentity,
): Buffer {
  const sans = sequence(
    tagged(0x82, Buffer.from(identity.name, 'ascii')), // [2] dNSName
    tagged(0x86, Buffer.from(identity.spiffeId, 'ascii')), // [6] uniformResourceIdentifier
  );
  const extensions = sequence(sequence(oid(OID.subjectAltName), tagged(0x04, sans)));
  const info = sequence(
    tagged(0x02, Buffer.of(0)), // version 0
    sequence(set(sequence(oid(OID.commonName), directoryString(identity.name)))),
    publicKey.export({ type: 'spki', format: 'der' }),
    tagged(0xa0, sequence(oid(OID.extensionRequest), set(extensions))), // [0] attributes
  );
  const signature = sign('sha256', info, { key: privateKey, dsaEncoding: 'der' });
  return sequence(
    info,
    sequence(oid(OID.ecdsaWithSha256)),
    tagged(0x03, Buffer.concat([Buffer.of(0), signature])), // no unused bits
  );
}

/** PrintableString when the text allows it (as the library and OpenSSL choose), else UTF8String. */
function directoryString(text: string): Buffer {
  return /^[A-Za-z0-9 '()+,\-./:=?]*$/.test(text)
    ? tagged(0x13, Buffer.from(text, 'ascii'))
    : tagged(0x0c, Buffer.from(text, 'utf8'));
}

function sequence(...children: Buffer[]): Buffer {
  return tagged(0x30, Buffer.concat(children));
}

function set(...children: Buffer[]): Buffer {
  return tagged(0x31, Buffer.concat(children));
}

function tagged(tag: number, content: Buffer): Buffer {
  return Buffer.concat([Buffer.of(tag), length(content.length), content]);
}

/** DER length: short form below 128, else the big-endian bytes behind 0x80 | their count. */
function length(n: number): Buffer {
  if (n < 0x80) return Buffer.of(n);
  const bytes: number[] = [];
  for (let rest = n; rest > 0; rest = Math.floor(rest / 256)) bytes.unshift(rest & 0xff);
  return Buffer.of(0x80 | bytes.length, ...bytes);
}

function oid(dotted: string): Buffer {
  const [first, second, ...rest] = dotted.split('.').map(Number);
  const bytes = [first! * 40 + second!];
  for (const arc of rest) {
    const base128 = [arc & 0x7f];
    for (let v = Math.floor(arc / 128); v > 0; v = Math.floor(v / 128)) {
      base128.unshift(0x80 | (v & 0x7f));
    }
    bytes.push(...base128);
  }
  return tagged(0x06, Buffer.from(bytes));
}
