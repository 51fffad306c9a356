/**
 * One service's Get stream, kept open across everything: opened whenever the connection is up,
 * read a JSON line at a time, and opened again when it ends — at once on a new session, after
 * a backoff if the session stayed up (the server refused, or ended the stream itself). Every
 * line is checked before anyone sees it: what a watcher gets decides where traffic goes.
 */
import type { ClientHttp2Session, ClientHttp2Stream } from 'node:http2';
import { type DestinationUpdate, GET_PATH } from '@fusion/mesh-types';
import type { Logger } from '@fusion/telemetry';
import { splitHostPort } from '../discovery/index.ts';
import { backoffDelayMs, DEFAULT_CONTROL_BACKOFF, type ReconnectBackoff } from './backoff.ts';
import type { DestinationConnection } from './connection.ts';

/** A set of a few replicas is a few hundred bytes; a line past this is not one. */
const MAX_LINE_CHARS = 1 << 20;

export interface ServiceWatchOptions {
  readonly logger: Logger;
  readonly backoff?: Partial<ReconnectBackoff>;
  readonly random?: () => number;
}

export class ServiceWatch {
  readonly #connection: DestinationConnection;
  readonly #service: string;
  readonly #onUpdate: (update: DestinationUpdate) => void;
  readonly #options: ServiceWatchOptions;
  readonly #backoff: ReconnectBackoff;
  #stream: ClientHttp2Stream | undefined;
  #retry: NodeJS.Timeout | undefined;
  #failures = 0;
  #lastRefusal: string | undefined;
  #stopped = false;
  readonly #onUp = () => this.#open();

  constructor(
    connection: DestinationConnection,
    service: string,
    onUpdate: (update: DestinationUpdate) => void,
    options: ServiceWatchOptions,
  ) {
    this.#connection = connection;
    this.#service = service;
    this.#onUpdate = onUpdate;
    this.#options = options;
    this.#backoff = { ...DEFAULT_CONTROL_BACKOFF, ...options.backoff };
    connection.on('up', this.#onUp);
    this.#open();
  }

  stop(): void {
    this.#stopped = true;
    this.#connection.off('up', this.#onUp);
    clearTimeout(this.#retry);
    this.#stream?.close();
    this.#stream = undefined;
  }

  #open(): void {
    const session = this.#connection.session();
    if (this.#stopped || !session || this.#stream) return;
    clearTimeout(this.#retry);
    const stream = session.request({
      ':method': 'POST',
      ':path': GET_PATH,
      'content-type': 'application/json',
    });
    this.#stream = stream;
    let status = 0;
    let buffered = '';
    stream.setEncoding('utf8');
    stream.on('response', (headers) => {
      status = Number(headers[':status']);
    });
    stream.on('data', (chunk: string) => {
      buffered += chunk;
      if (status !== 200) return;
      let newline = buffered.indexOf('\n');
      while (newline !== -1 && this.#stream === stream) {
        this.#line(stream, buffered.slice(0, newline));
        buffered = buffered.slice(newline + 1);
        newline = buffered.indexOf('\n');
      }
      if (buffered.length > MAX_LINE_CHARS) this.#broken(stream, 'a line longer than 1 MiB');
    });
    stream.on('error', () => {}); // 'close' follows and says what to do
    stream.once('close', () => {
      if (status !== 0 && status !== 200) this.#refused(status, buffered);
      this.#ended(stream, session);
    });
    stream.end(JSON.stringify({ service: this.#service }));
  }

  #line(stream: ClientHttp2Stream, line: string): void {
    let update: DestinationUpdate;
    try {
      update = parseUpdate(JSON.parse(line), this.#service);
    } catch (error) {
      this.#broken(stream, (error as Error).message);
      return;
    }
    this.#failures = 0;
    this.#lastRefusal = undefined;
    this.#onUpdate(update);
  }

  #broken(stream: ClientHttp2Stream, why: string): void {
    this.#options.logger.warn(
      { service: this.#service, reason: why },
      'destination update refused; keeping the endpoints last received',
    );
    this.#failures += 1;
    stream.close();
  }

  #refused(status: number, body: string): void {
    this.#failures += 1;
    let message = body.slice(0, 200);
    try {
      message = (JSON.parse(body) as { error: { message: string } }).error.message;
    } catch {}
    // Retried with backoff; the same refusal again is not news.
    if (message === this.#lastRefusal) return;
    this.#lastRefusal = message;
    this.#options.logger.warn(
      { service: this.#service, status, reason: message },
      'destination service refused the watch',
    );
  }

  #ended(stream: ClientHttp2Stream, session: ClientHttp2Session): void {
    if (this.#stream !== stream) return;
    this.#stream = undefined;
    if (this.#stopped) return;
    // A new session will bring its own `up`; only a stream lost on a live one needs a timer.
    if (this.#connection.session() !== session) return;
    this.#failures = Math.max(this.#failures, 1);
    const delayMs = backoffDelayMs(this.#failures, this.#backoff, this.#options.random);
    clearTimeout(this.#retry);
    this.#retry = setTimeout(() => this.#open(), delayMs);
    this.#retry.unref();
  }
}

/** Checks one line of the Get stream; throws saying what is wrong with it. */
export function parseUpdate(value: unknown, service: string): DestinationUpdate {
  const update = value as Partial<DestinationUpdate> | null;
  if (typeof update !== 'object' || update === null) throw new Error('an update must be an object');
  if (update.service !== service) {
    throw new Error(`an update for ${JSON.stringify(update.service)} on the watch of '${service}'`);
  }
  if (typeof update.version !== 'number' || typeof update.exists !== 'boolean') {
    throw new Error('an update needs a numeric version and a boolean exists');
  }
  if (typeof update.complete !== 'boolean' || !Array.isArray(update.endpoints)) {
    throw new Error('an update needs a boolean complete and an endpoints list');
  }
  for (const endpoint of update.endpoints) {
    const { address, identity, instance, labels } = endpoint ?? {};
    if (typeof address !== 'string' || splitHostPort(address).port === undefined) {
      throw new Error(`endpoint address must be "host:port", got ${JSON.stringify(address)}`);
    }
    // An endpoint the proxy cannot verify is one it must not be told about.
    if (typeof identity !== 'string' || identity.length === 0) {
      throw new Error(`endpoint ${address} has no identity`);
    }
    if (typeof instance !== 'string' || typeof labels !== 'object' || labels === null) {
      throw new Error(`endpoint ${address} needs an instance and labels`);
    }
  }
  return update as DestinationUpdate;
}
