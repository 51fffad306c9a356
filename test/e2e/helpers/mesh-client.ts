/**
 * A client that holds a mesh certificate, minted from the platform's own issuer in its state
 * directory (as an operator with the CA files could): for calling a sidecar's inbound port
 * directly, as the named service would. Also the certificates the hardening test must see
 * refused: from a foreign CA, expired, self-signed.
 */
import { readFileSync } from 'node:fs';
import { Agent, request as httpsRequest } from 'node:https';
import { join } from 'node:path';
import {
  type CryptoKey,
  certificateToPem,
  createTrustAnchor,
  fromPem,
  generateKeyPair,
  privateKeyFromPem,
  privateKeyToPem,
  publicKeyToPem,
  signLeaf,
  workloadIdentity,
  x509,
} from '@fusion/pki';

export interface MeshCredentials {
  readonly identity: string;
  readonly key: string;
  /** The leaf, then its issuer. */
  readonly cert: string;
  /** The platform's trust anchors, to verify the sidecar with. */
  readonly ca: string;
}

type Signer = {
  readonly cert: x509.X509Certificate;
  readonly key: CryptoKey;
  readonly certPem: string;
};

async function platformIssuer(stateDir: string): Promise<Signer> {
  const pki = join(stateDir, 'pki');
  const certPem = readFileSync(join(pki, 'issuer.crt'), 'utf8');
  return {
    cert: new x509.X509Certificate(certPem),
    key: await privateKeyFromPem(readFileSync(join(pki, 'issuer.key'), 'utf8')),
    certPem,
  };
}

async function leaf(
  signer: Signer,
  service: string,
  options: { lifetimeMs?: number; now?: Date } = {},
): Promise<{ identity: string; key: string; cert: string }> {
  const keys = await generateKeyPair();
  const identity = workloadIdentity(service, 'default', 'cluster.local');
  const issued = await signLeaf(signer, {
    publicKey: new x509.PublicKey(fromPem(await publicKeyToPem(keys.publicKey), 'PUBLIC KEY')),
    identity,
    lifetimeMs: options.lifetimeMs ?? 3_600_000,
    clockSkewMs: 0,
    ...(options.now && { now: options.now }),
  });
  return {
    identity: identity.name,
    key: await privateKeyToPem(keys.privateKey),
    cert: `${certificateToPem(new x509.X509Certificate(issued.der))}${signer.certPem}`,
  };
}

/** A valid certificate for `service`, from the platform's issuer. */
export async function meshCredentials(stateDir: string, service: string): Promise<MeshCredentials> {
  const ca = readFileSync(join(stateDir, 'pki', 'ca.crt'), 'utf8');
  return { ...(await leaf(await platformIssuer(stateDir), service)), ca };
}

/** Certificates for `service` the mesh must refuse, each with why. */
export async function refusedCredentials(stateDir: string, service: string) {
  const ca = readFileSync(join(stateDir, 'pki', 'ca.crt'), 'utf8');
  // The same name as the mesh's anchor, but another key: only the key proves anything.
  const foreign = await createTrustAnchor({ commonName: 'root.linkerd.cluster.local' });
  const expired = await leaf(await platformIssuer(stateDir), service, {
    lifetimeMs: 60_000,
    now: new Date(Date.now() - 3_600_000),
  });
  // Self-signed, with the right name: the leaf signs itself.
  const selfKeys = await generateKeyPair();
  const identity = workloadIdentity(service, 'default', 'cluster.local');
  const self = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '01',
    name: `CN=${identity.name}`,
    notBefore: new Date(Date.now() - 60_000),
    notAfter: new Date(Date.now() + 3_600_000),
    keys: selfKeys,
    signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
    extensions: [new x509.SubjectAlternativeNameExtension([{ type: 'dns', value: identity.name }])],
  });
  return {
    ca,
    'a foreign CA': await leaf(foreign, service),
    'an expired leaf': expired,
    'a self-signed leaf with the right name': {
      identity: identity.name,
      key: await privateKeyToPem(selfKeys.privateKey),
      cert: certificateToPem(self),
    },
  };
}

export interface MeshAnswer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
  /** Whether it went over a connection an earlier request had opened. */
  readonly reused: boolean;
}

/** HTTP/1.1 over mTLS to a sidecar's inbound port, on one kept-alive connection. */
export function meshClient(credentials: MeshCredentials, port: number, server: string) {
  const agent = new Agent({
    keepAlive: true,
    maxSockets: 1,
    key: credentials.key,
    cert: credentials.cert,
    ca: credentials.ca,
    servername: server,
  });
  const get = (path: string) =>
    new Promise<MeshAnswer>((resolve, reject) => {
      const req = httpsRequest(
        {
          host: '127.0.0.1',
          port,
          path,
          agent,
          servername: server,
          checkServerIdentity: () => undefined,
        },
        (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            body += chunk;
          });
          res.on('end', () =>
            resolve({
              status: res.statusCode ?? 0,
              headers: res.headers,
              body,
              reused: req.reusedSocket,
            }),
          );
        },
      );
      req.on('error', reject);
      req.end();
    });
  return { get, close: () => agent.destroy() };
}
