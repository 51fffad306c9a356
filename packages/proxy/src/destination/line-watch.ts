/**
 * One NDJSON stream of the destination service, kept open across everything: opened whenever
 * the connection is up, read a JSON line at a time, and opened again when it ends — at once on
 * a new session, after a backoff if the session stayed up (the server refused, or ended the
 * stream itself). Every line is checked by `parse` before anyone sees it: what a watcher gets
 * decides where traffic goes, or which policy applies. Get (endpoints) and Watch (policy) are
 * both one of these; only their path, body and line check differ.
 */
import type { ClientHttp2Session, ClientHttp2Stream } from 'node:http2';
import type { Logger } from '@fusion/telemetry';
import { backoffDelayMs, DEFAULT_CONTROL_BACKOFF, type ReconnectBackoff } from './backoff.ts';
import type { DestinationConnection } from './connection.ts';

/** A set of a few replicas or one service's policy is kilobytes; a line past this is not one. */
const MAX_LINE_CHARS = 1 << 20;

export interface LineWatchOptions<T> {
  readonly path: string;
  readonly body: unknown;
  /** Checks one parsed line; throws saying what is wrong with it. */
  readonly parse: (value: unknown) => T;
  readonly onUpdate: (update: T) => void;
  readonly logger: Logger;
  /** On every log line, naming what is watched (`{ service }`). */
  readonly fields: Readonly<Record<string, unknown>>;
  /** The log messages of a refused line and of a refused watch. */
  readonly messages: { readonly lineRefused: string; readonly watchRefused: string };
  readonly backoff?: Partial<ReconnectBackoff>;
  readonly random?: () => number;
}

export class LineWatch<T> {
  readonly #connection: DestinationConnection;
  readonly #options: LineWatchOptions<T>;
  readonly #backoff: ReconnectBackoff;
  #stream: ClientHttp2Stream | undefined;
  #retry: NodeJS.Timeout | undefined;
  #failures = 0;
  #lastRefusal: string | undefined;
  #stopped = false;
  readonly #onUp = () => this.#open();

  constructor(connection: DestinationConnection, options: LineWatchOptions<T>) {
    this.#connection = connection;
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
      ':path': this.#options.path,
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
    stream.end(JSON.stringify(this.#options.body));
  }

  #line(stream: ClientHttp2Stream, line: string): void {
    let update: T;
    try {
      update = this.#options.parse(JSON.parse(line));
    } catch (error) {
      this.#broken(stream, (error as Error).message);
      return;
    }
    this.#failures = 0;
    this.#lastRefusal = undefined;
    this.#options.onUpdate(update);
  }

  #broken(stream: ClientHttp2Stream, why: string): void {
    const { logger, fields, messages } = this.#options;
    logger.warn({ ...fields, reason: why }, messages.lineRefused);
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
    const { logger, fields, messages } = this.#options;
    logger.warn({ ...fields, status, reason: message }, messages.watchRefused);
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
