/**
 * An https.Agent for mesh calls whose connections always use the client's CURRENT credentials.
 * Connections are pooled per credentials generation (the leaf serial is part of the pool key).
 * On rotation, idle connections of the old generation are closed and busy ones are closed as
 * soon as their request finishes, so no request fails and no handshake after the rotation
 * presents the old certificate. A kept-alive connection is also retired shortly before the
 * peer's certificate expires, so a reused connection never outlives it.
 *
 * TLS session resumption is off: Node skips `checkServerIdentity` on a resumed session and
 * cannot show its peer certificate, and a resumed session would carry an identity across a
 * rotation. Connections are pooled and long-lived, so the full handshakes are few.
 *
 * Callers name the peer's identity as `servername` on each request (see meshServerIdentity).
 */
import https from 'node:https';
import type { Duplex } from 'node:stream';
import type tls from 'node:tls';
import type { IdentityClient } from '../client/index.ts';
import type { Credentials } from '../credentials/index.ts';
import { meshServerIdentity } from './client-options.ts';

export interface MeshAgentOptions extends https.AgentOptions {
  /** Stop reusing a connection this long before its peer's certificate expires; default 1 s. */
  peerExpiryMarginMs?: number;
}

interface ConnectionFacts {
  readonly credentials: Credentials;
  peerNotAfterMs: number | undefined;
}

export class MeshAgent extends https.Agent {
  readonly #client: IdentityClient;
  readonly #marginMs: number;
  readonly #connections = new WeakMap<Duplex, ConnectionFacts>();
  readonly #onRotated = () => this.#closeIdleOfOldGenerations();

  constructor(client: IdentityClient, options: MeshAgentOptions = {}) {
    const { peerExpiryMarginMs = 1_000, ...agentOptions } = options;
    super({ keepAlive: true, ...agentOptions, maxCachedSessions: 0 });
    this.#client = client;
    this.#marginMs = peerExpiryMarginMs;
    client.on('rotated', this.#onRotated);
  }

  override getName(options?: https.RequestOptions): string {
    return `${super.getName(options)}:${this.#client.credentials()?.serial ?? 'none'}`;
  }

  override createConnection(
    options: https.RequestOptions,
    callback?: (err: Error | null, stream: Duplex) => void,
  ): Duplex | null | undefined {
    const credentials = this.#client.credentials();
    if (!credentials) {
      const error = new Error(
        `no mesh credentials yet for ${this.#client.identity}: await IdentityClient.start() first`,
      );
      callback?.(error, undefined as unknown as Duplex);
      return undefined;
    }
    const socket = super.createConnection(
      {
        ...options,
        ...credentials.secureContextOptions(),
        checkServerIdentity: meshServerIdentity,
      } as https.RequestOptions,
      callback,
    ) as tls.TLSSocket;
    const facts: ConnectionFacts = { credentials, peerNotAfterMs: undefined };
    this.#connections.set(socket, facts);
    socket.once('secureConnect', () => {
      facts.peerNotAfterMs = Date.parse(socket.getPeerCertificate().valid_to);
    });
    return socket;
  }

  override keepSocketAlive(socket: Duplex): boolean {
    const remainingMs = this.#reusableForMs(socket);
    if (remainingMs <= 0) return false;
    // Node 20 returns false when the server's keep-alive hint leaves no safe margin.
    if ((super.keepSocketAlive(socket) as unknown) === false) return false;
    // An idle pooled socket is destroyed on timeout; make that happen before the peer expires.
    const net = socket as tls.TLSSocket;
    if (Number.isFinite(remainingMs) && (!net.timeout || net.timeout > remainingMs)) {
      net.setTimeout(remainingMs);
    }
    return true;
  }

  /** Unbinds from the identity client and closes every pooled connection. */
  override destroy(): void {
    this.#client.off('rotated', this.#onRotated);
    super.destroy();
  }

  /** How much longer `socket` may be kept for reuse (≤ 0: not at all). */
  #reusableForMs(socket: Duplex): number {
    const facts = this.#connections.get(socket);
    if (!facts) return Number.POSITIVE_INFINITY;
    if (facts.credentials !== this.#client.credentials()) return 0;
    if (facts.peerNotAfterMs === undefined) return Number.POSITIVE_INFINITY;
    return facts.peerNotAfterMs - this.#marginMs - Date.now();
  }

  #closeIdleOfOldGenerations(): void {
    for (const sockets of Object.values(this.freeSockets)) {
      // Copied: destroying a socket removes it from the agent's list as we go.
      for (const socket of [...(sockets ?? [])]) {
        if (this.#reusableForMs(socket) <= 0) socket.destroy();
      }
    }
  }
}

/** A keep-alive https.Agent bound to `client`'s current credentials. */
export function createMeshAgent(client: IdentityClient, options?: MeshAgentOptions): MeshAgent {
  return new MeshAgent(client, options);
}
