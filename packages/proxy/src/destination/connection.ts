/**
 * The proxy's one HTTP/2 session to the destination service, over mesh mTLS: our workload
 * certificate (which is what the server registers us by) and the server's checked against
 * LINKERD2_PROXY_DESTINATION_SVC_NAME. Watches and the registrar share it as streams.
 *
 * It is kept up for as long as the proxy runs: lost (the control plane stopped, a GOAWAY, an
 * unanswered PING), it is dialled again with exponential backoff and jitter, and `up` tells the
 * streams to start again on the new session. Nothing here knows what the streams carry.
 */
import { EventEmitter } from 'node:events';
import type { ClientHttp2Session } from 'node:http2';
import type { Credentials } from '@fusion/identity-client';
import type { Logger } from '@fusion/telemetry';
import { connectMeshSession } from '../outbound/connect.ts';
import { backoffDelayMs, DEFAULT_CONTROL_BACKOFF, type ReconnectBackoff } from './backoff.ts';

export interface DestinationConnectionOptions {
  /** LINKERD2_PROXY_DESTINATION_SVC_ADDR, `host:port`. */
  readonly address: string;
  /** LINKERD2_PROXY_DESTINATION_SVC_NAME: the identity the server's certificate must name. */
  readonly serverName: string;
  /** The proxy's current mesh credentials (read at every dial, so rotation is picked up). */
  readonly credentials: () => Credentials | undefined;
  readonly logger: Logger;
  readonly backoff?: Partial<ReconnectBackoff>;
  /** Default 3 s: a loopback or LAN handshake takes milliseconds. */
  readonly connectTimeoutMs?: number;
  /** A PING this often; one still unanswered at the next means the server is gone. Default 10 s. */
  readonly pingIntervalMs?: number;
  readonly random?: () => number;
}

export interface ConnectionState {
  readonly connected: boolean;
  /** ISO time of the last change between connected and not. */
  readonly since: string;
  readonly lastError: string | undefined;
  readonly connects: number;
}

export interface JsonReply {
  readonly status: number;
  readonly body: unknown;
}

export class DestinationConnection extends EventEmitter<{
  up: [session: ClientHttp2Session];
  down: [reason: string];
}> {
  readonly #options: DestinationConnectionOptions;
  readonly #backoff: ReconnectBackoff;
  #session: ClientHttp2Session | undefined;
  #connecting = false;
  #failures = 0;
  #connects = 0;
  #lastError: string | undefined;
  #since = new Date();
  #retry: NodeJS.Timeout | undefined;
  #ping: NodeJS.Timeout | undefined;
  #started = false;
  #closed = false;

  constructor(options: DestinationConnectionOptions) {
    super();
    this.#options = options;
    this.#backoff = { ...DEFAULT_CONTROL_BACKOFF, ...options.backoff };
  }

  get address(): string {
    return this.#options.address;
  }

  /** Dials now, and again whenever the session is lost, until close(). */
  start(): void {
    if (this.#started) return;
    this.#started = true;
    this.#dial();
  }

  /** The session to open streams on; undefined while disconnected. */
  session(): ClientHttp2Session | undefined {
    const session = this.#session;
    return session && !session.closed && !session.destroyed ? session : undefined;
  }

  state(): ConnectionState {
    return {
      connected: this.session() !== undefined,
      since: this.#since.toISOString(),
      lastError: this.#lastError,
      connects: this.#connects,
    };
  }

  /** One JSON call on the current session; rejects at once when there is none. */
  call(path: string, body: unknown, timeoutMs: number): Promise<JsonReply> {
    const session = this.session();
    if (!session) {
      return Promise.reject(new Error(`not connected to the destination service: ${this.#why()}`));
    }
    return new Promise((resolve, reject) => {
      const stream = session.request({
        ':method': 'POST',
        ':path': path,
        'content-type': 'application/json',
      });
      let status = 0;
      let text = '';
      const timer = setTimeout(() => {
        stream.close();
        reject(new Error(`${path} got no answer within ${timeoutMs} ms`));
      }, timeoutMs);
      stream.setEncoding('utf8');
      stream.on('response', (headers) => {
        status = Number(headers[':status']);
      });
      stream.on('data', (chunk: string) => {
        text += chunk;
      });
      stream.on('end', () => {
        clearTimeout(timer);
        try {
          resolve({ status, body: text ? JSON.parse(text) : {} });
        } catch {
          reject(new Error(`${path} answered ${status} with a body that is not JSON`));
        }
      });
      stream.on('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
      stream.end(JSON.stringify(body));
    });
  }

  close(): void {
    this.#closed = true;
    clearTimeout(this.#retry);
    clearInterval(this.#ping);
    const session = this.#session;
    this.#session = undefined;
    session?.destroy();
  }

  #dial(): void {
    if (this.#closed || this.#connecting || this.session()) return;
    const credentials = this.#options.credentials();
    if (!credentials) {
      this.#failed('no mesh credentials yet');
      return;
    }
    this.#connecting = true;
    const peer = { address: this.#options.address, identity: this.#options.serverName };
    connectMeshSession(peer, credentials, this.#options.connectTimeoutMs ?? 3_000).then(
      (session) => {
        this.#connecting = false;
        if (this.#closed) session.destroy();
        else this.#adopt(session);
      },
      (error: Error) => {
        this.#connecting = false;
        if (!this.#closed) this.#failed(error.message);
      },
    );
  }

  #adopt(session: ClientHttp2Session): void {
    const { logger } = this.#options;
    const recovered = this.#failures > 0;
    this.#session = session;
    this.#failures = 0;
    this.#connects += 1;
    this.#since = new Date();
    session.on('error', (error) => logger.debug({ err: error }, 'destination session error'));
    session.once('goaway', () => this.#lost(session, 'the destination service sent GOAWAY'));
    session.once('close', () => this.#lost(session, 'the destination service closed the session'));
    this.#keepAlive(session);
    const fields = { address: this.#options.address, identity: this.#options.serverName };
    if (recovered) logger.info(fields, 'destination service reachable again');
    else logger.debug(fields, 'connected to the destination service');
    this.emit('up', session);
  }

  #keepAlive(session: ClientHttp2Session): void {
    clearInterval(this.#ping);
    let outstanding = false;
    this.#ping = setInterval(() => {
      if (outstanding) {
        session.destroy(new Error('the destination service did not answer a PING'));
        return;
      }
      outstanding = true;
      session.ping((error) => {
        if (!error) outstanding = false;
      });
    }, this.#options.pingIntervalMs ?? 10_000);
    this.#ping.unref();
  }

  #lost(session: ClientHttp2Session, reason: string): void {
    if (this.#session !== session) return;
    this.#session = undefined;
    clearInterval(this.#ping);
    if (!session.destroyed) session.close();
    this.#since = new Date();
    this.emit('down', reason);
    // Counted as a failure: the server just went away, and dialling at once would likely too.
    this.#failed(reason);
  }

  #failed(reason: string): void {
    if (this.#closed) return;
    this.#failures += 1;
    this.#lastError = reason;
    const delayMs = backoffDelayMs(this.#failures, this.#backoff, this.#options.random);
    const fields = { address: this.#options.address, reason, retry_in_ms: delayMs };
    // Once per outage at warn; the rest of the attempts only at debug.
    if (this.#failures === 1)
      this.#options.logger.warn(
        fields,
        'destination service unreachable; routing on the endpoints last received',
      );
    else this.#options.logger.debug(fields, 'destination service still unreachable');
    clearTimeout(this.#retry);
    this.#retry = setTimeout(() => {
      this.#retry = undefined;
      this.#dial();
    }, delayMs);
    this.#retry.unref();
  }

  #why(): string {
    return this.#lastError ?? (this.#started ? 'connecting' : 'not started');
  }
}
