/**
 * A workload's current TLS identity: the in-memory private key, the certificate chain the
 * identity service issued for it, and the anchors to verify peers with. The key is reachable
 * only through the `keyPem` getter, never as an own property, so logging or serialising a
 * Credentials object (pino, JSON.stringify, util.inspect) cannot copy the key into a log file.
 */

import type tls from 'node:tls';
import { inspect } from 'node:util';
import type { MeshCertificate } from './certificate.ts';

export interface Credentials {
  /** The identity name the leaf certifies (its DNS SAN). */
  readonly identity: string;
  /** PKCS#8 PEM of the private key; exists only in this process's memory. */
  readonly keyPem: string;
  /** Leaf first, then the intermediates, as TLS wants to present them. */
  readonly certChainPem: string;
  readonly leaf: MeshCertificate;
  /** The leaf's notAfter. */
  readonly validUntil: Date;
  readonly trustAnchorsPem: string;
  /** The leaf's serial number, lowercase hex. */
  readonly serial: string;
  /** When the identity service issued this (by the client's clock). */
  readonly obtainedAt: Date;
  /** Key, chain and anchors for a TLS server or client: mutual TLS 1.3 only, as Linkerd 2.19. */
  secureContextOptions(): tls.SecureContextOptions;
}

export interface CredentialsParts {
  readonly identity: string;
  readonly keyPem: string;
  readonly leaf: MeshCertificate;
  readonly intermediates: readonly MeshCertificate[];
  readonly trustAnchorsPem: string;
  readonly obtainedAt: Date;
}

export function createCredentials(parts: CredentialsParts): Credentials {
  return new MeshCredentials(parts);
}

class MeshCredentials implements Credentials {
  readonly identity: string;
  readonly certChainPem: string;
  readonly leaf: MeshCertificate;
  readonly validUntil: Date;
  readonly trustAnchorsPem: string;
  readonly serial: string;
  readonly obtainedAt: Date;
  readonly #keyPem: string;

  constructor(parts: CredentialsParts) {
    this.identity = parts.identity;
    this.#keyPem = parts.keyPem;
    this.leaf = parts.leaf;
    this.certChainPem = [parts.leaf, ...parts.intermediates].map((c) => c.pem).join('\n');
    this.validUntil = parts.leaf.notAfter;
    this.trustAnchorsPem = parts.trustAnchorsPem;
    this.serial = parts.leaf.serial;
    this.obtainedAt = parts.obtainedAt;
  }

  get keyPem(): string {
    return this.#keyPem;
  }

  secureContextOptions(): tls.SecureContextOptions {
    return {
      key: this.#keyPem,
      cert: this.certChainPem,
      ca: this.trustAnchorsPem,
      minVersion: 'TLSv1.3',
    };
  }

  /** What a log line may show: who and until when, never the key. */
  toJSON(): Record<string, string> {
    return {
      identity: this.identity,
      serial: this.serial,
      validUntil: this.validUntil.toISOString(),
      obtainedAt: this.obtainedAt.toISOString(),
    };
  }

  [inspect.custom](): string {
    return `Credentials ${inspect(this.toJSON())}`;
  }
}
