/**
 * Certificate authority operations: the trust anchor (root), the issuer (intermediate) and
 * workload leaf certificates, with Linkerd's profiles: ECDSA P-256, anchor and issuer valid
 * 365 days, leaves 24 h with a clock-skew allowance on both ends.
 */
import { randomBytes } from 'node:crypto';
import { generateKeyPair, privateKeyToPem } from './keys.ts';
import type { WorkloadIdentity } from './names.ts';
import type { CryptoKey } from './provider.ts';
import { EC_SIGNING_ALGORITHM, x509 } from './provider.ts';

export const DAY_MS = 24 * 60 * 60 * 1000;
/** Linkerd's default for CLI-generated anchors and issuers (`pkg/tls/ca.go` DefaultLifetime). */
export const DEFAULT_CA_LIFETIME_MS = 365 * DAY_MS;

/** A certificate with the private key that goes with it. */
export interface CertifiedKey {
  readonly cert: x509.X509Certificate;
  readonly key: CryptoKey;
  readonly certPem: string;
  readonly keyPem: string;
}

export interface CaOptions {
  readonly commonName: string;
  readonly lifetimeMs?: number;
  readonly now?: Date;
}

export async function createTrustAnchor(options: CaOptions): Promise<CertifiedKey> {
  const keys = await generateKeyPair();
  const { notBefore, notAfter } = window(
    options.now,
    options.lifetimeMs ?? DEFAULT_CA_LIFETIME_MS,
    0,
  );
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serialNumber(),
    name: `CN=${options.commonName}`,
    notBefore,
    notAfter,
    keys,
    signingAlgorithm: EC_SIGNING_ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign,
        true,
      ),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return certified(cert, keys.privateKey);
}

/** An intermediate CA under `anchor`; it may sign leaves only (path length 0). */
export async function createIssuer(
  anchor: CertifiedKey,
  options: CaOptions,
): Promise<CertifiedKey> {
  const keys = await generateKeyPair();
  const { notBefore, notAfter } = window(
    options.now,
    options.lifetimeMs ?? DEFAULT_CA_LIFETIME_MS,
    0,
  );
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serialNumber(),
    subject: `CN=${options.commonName}`,
    issuer: anchor.cert.subject,
    notBefore,
    notAfter,
    publicKey: keys.publicKey,
    signingKey: anchor.key,
    signingAlgorithm: EC_SIGNING_ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign,
        true,
      ),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(anchor.cert, false),
    ],
  });
  return certified(cert, keys.privateKey);
}

export interface LeafRequest {
  readonly publicKey: x509.PublicKey;
  readonly identity: WorkloadIdentity;
  readonly lifetimeMs: number;
  readonly clockSkewMs: number;
  readonly now?: Date;
}

export interface IssuedLeaf {
  readonly cert: x509.X509Certificate;
  readonly der: Uint8Array;
  readonly serial: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
}

/**
 * A workload certificate for `identity`, signed by `issuer`: both SANs, clientAuth and
 * serverAuth, valid from now − skew to now + lifetime + skew (Linkerd's `Window`).
 */
export async function signLeaf(
  issuer: Pick<CertifiedKey, 'cert' | 'key'>,
  request: LeafRequest,
): Promise<IssuedLeaf> {
  const { notBefore, notAfter } = window(request.now, request.lifetimeMs, request.clockSkewMs);
  const serial = serialNumber();
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial,
    subject: `CN=${request.identity.name}`,
    issuer: issuer.cert.subject,
    notBefore,
    notAfter,
    publicKey: request.publicKey,
    signingKey: issuer.key,
    signingAlgorithm: EC_SIGNING_ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment,
        true,
      ),
      new x509.ExtendedKeyUsageExtension([
        x509.ExtendedKeyUsage.serverAuth,
        x509.ExtendedKeyUsage.clientAuth,
      ]),
      new x509.SubjectAlternativeNameExtension([
        { type: 'dns', value: request.identity.name },
        { type: 'url', value: request.identity.spiffeId },
      ]),
      await x509.AuthorityKeyIdentifierExtension.create(issuer.cert, false),
    ],
  });
  return { cert, der: new Uint8Array(cert.rawData), serial, notBefore, notAfter };
}

async function certified(cert: x509.X509Certificate, key: CryptoKey): Promise<CertifiedKey> {
  return { cert, key, certPem: cert.toString('pem'), keyPem: await privateKeyToPem(key) };
}

/** A positive 128-bit serial (RFC 5280 asks for unique, positive, at most 20 bytes). */
function serialNumber(): string {
  const bytes = randomBytes(16);
  bytes[0] = bytes[0]! & 0x7f;
  return bytes.toString('hex');
}

function window(now: Date | undefined, lifetimeMs: number, skewMs: number) {
  const at = (now ?? new Date()).getTime();
  // X.509 times have whole seconds; rounding here keeps notAfter exactly what we report.
  const second = (ms: number) => new Date(Math.floor(ms / 1000) * 1000);
  return { notBefore: second(at - skewMs), notAfter: second(at + lifetimeMs + skewMs) };
}
