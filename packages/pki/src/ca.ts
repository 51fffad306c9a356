/**
 * Certificate authority operations: the trust anchor (root), the issuer (intermediate) and
 * workload leaf certificates, with Linkerd's profiles: ECDSA P-256, anchor and issuer valid
 * 365 days, leaves 24 h with a clock-skew allowance on both ends.
 */
import { generateKeyPair, privateKeyToPem } from './keys.ts';
import { LeafSigner, serialNumber } from './leaf-signer.ts';
import type { WorkloadIdentity } from './names.ts';
import { toPem } from './pem.ts';
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
  /** The parsed certificate; parsed on first use, since the identity service needs only DER. */
  readonly cert: x509.X509Certificate;
  readonly der: Uint8Array;
  readonly serial: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
}

/** One prepared signer per issuer; a rotated issuer gets a new one, the old is collected. */
const signers = new WeakMap<x509.X509Certificate, Promise<LeafSigner>>();

/**
 * A workload certificate for `identity`, signed by `issuer`: both SANs, clientAuth and
 * serverAuth, valid from now − skew to now + lifetime + skew (Linkerd's `Window`).
 */
export async function signLeaf(
  issuer: Pick<CertifiedKey, 'cert' | 'key'>,
  request: LeafRequest,
): Promise<IssuedLeaf> {
  let signer = signers.get(issuer.cert);
  if (!signer) {
    signer = LeafSigner.create(issuer);
    signers.set(issuer.cert, signer);
  }
  const { notBefore, notAfter } = window(request.now, request.lifetimeMs, request.clockSkewMs);
  const serial = serialNumber();
  const der = (await signer).sign({
    serial,
    identity: request.identity,
    publicKeyDer: request.publicKey.rawData,
    notBefore,
    notAfter,
  });
  let cert: x509.X509Certificate | undefined;
  return {
    get cert() {
      cert ??= new x509.X509Certificate(der);
      return cert;
    },
    der,
    serial,
    notBefore,
    notAfter,
  };
}

async function certified(cert: x509.X509Certificate, key: CryptoKey): Promise<CertifiedKey> {
  return { cert, key, certPem: certificateToPem(cert), keyPem: await privateKeyToPem(key) };
}

/**
 * PEM with a final newline. The library's own PEM has none, and two such certificates joined
 * into a bundle run together into text Node's TLS stack rejects.
 */
export function certificateToPem(cert: x509.X509Certificate): string {
  return toPem('CERTIFICATE', cert.rawData);
}

function window(now: Date | undefined, lifetimeMs: number, skewMs: number) {
  const at = (now ?? new Date()).getTime();
  // X.509 times have whole seconds; rounding here keeps notAfter exactly what we report.
  const second = (ms: number) => new Date(Math.floor(ms / 1000) * 1000);
  return { notBefore: second(at - skewMs), notAfter: second(at + lifetimeMs + skewMs) };
}
