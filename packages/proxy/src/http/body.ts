/**
 * A message body as the layers pass it: a small push/pull channel between one producer (a
 * parser, an HTTP/2 stream) and one consumer (a writer), instead of a Readable per message.
 *
 * - The producer pushes chunks and ends (or fails) it. `push` returns false once the consumer
 *   is paused or `highWaterMark` bytes wait unread: the producer stops reading its socket until
 *   its `pull` is called. A large body therefore streams with backpressure, never buffered.
 * - The one consumer calls `read(reader)`: what is buffered is delivered synchronously, then the
 *   rest as it is pushed. `onData` returning false pauses delivery until `resume()`. So a small
 *   body that arrived with its head is written with the head, in one write, with no stream
 *   machinery and no tick in between.
 * - `complete` says every byte is here (and `bytes` how many): what a retry layer needs to know
 *   before it replays a body, or a layer that answers early to know nothing is left unread.
 * - `cancel(error)` is the consumer giving up (its client went away): the buffer is dropped and
 *   the producer told, to stop or reset upstream.
 * - `peek()` lets a layer wait for the first bytes or the end without reading anything (a retry
 *   looking for a gRPC status in the trailers of a short response).
 */
import { Readable, type Writable } from 'node:stream';

export interface BodyReader {
  /** A chunk, in order. Returning false pauses delivery until `resume()`. */
  onData(chunk: Buffer): boolean | undefined;
  onEnd(): void;
  onError(error: Error): void;
}

export interface BodySource {
  /** A reader took the body (HTTP/1.1 answers `Expect: 100-continue` only now). */
  start?(): void;
  /** The consumer wants more after push returned false. */
  pull?(): void;
  /** The consumer gave up; stop producing (close or reset what feeds it). */
  cancel?(error: Error): void;
}

/** Default unread bytes before push says stop: Node's default for a stream of bytes. */
const HIGH_WATER_MARK = 16 * 1024;

export class Body {
  readonly #source: BodySource;
  readonly #highWaterMark: number;
  #chunks: Buffer[] = [];
  #unread = 0;
  #bytes = 0;
  #ended = false;
  #error: Error | undefined;
  #reader: BodyReader | undefined;
  #paused = false;
  #full = false;
  #done = false;
  #delivering = false;
  #peeker: (() => void) | undefined;

  constructor(source: BodySource = {}, highWaterMark = HIGH_WATER_MARK) {
    this.#source = source;
    this.#highWaterMark = highWaterMark;
  }

  /** A body whose bytes are all known now. */
  static of(...chunks: Buffer[]): Body {
    const body = new Body();
    for (const chunk of chunks) body.push(chunk);
    body.end();
    return body;
  }

  /** Reads a Node stream into a Body, with backpressure both ways. */
  static fromReadable(readable: Readable): Body {
    const body = new Body({
      pull: () => readable.resume(),
      cancel: (error) => readable.destroy(error),
    });
    readable.on('data', (chunk: Buffer) => {
      if (!body.push(chunk)) readable.pause();
    });
    readable.once('end', () => body.end());
    readable.once('error', (error) => body.fail(error));
    // Closed without an end (destroyed, reset): the body is cut short.
    readable.once('close', () => {
      if (!readable.readableEnded) body.fail(new Error('the stream closed before its end'));
    });
    return body;
  }

  /** Bytes pushed so far. */
  get bytes(): number {
    return this.#bytes;
  }

  /** Every byte has been pushed, none lost: the body may be read (or replayed) whole. */
  get complete(): boolean {
    return this.#ended && this.#error === undefined;
  }

  /** Whether the producer is done: ended or failed. */
  get ended(): boolean {
    return this.#ended;
  }

  /**
   * Resolves once a chunk is buffered or the body has ended or failed, without taking it; at
   * once if that is so already. For a layer that decides on what comes first, before a reader.
   */
  peek(): Promise<void> {
    if (this.#chunks.length > 0 || this.#ended || this.#done) return Promise.resolve();
    return new Promise((resolve) => {
      const earlier = this.#peeker;
      this.#peeker = () => {
        earlier?.();
        resolve();
      };
    });
  }

  #peeked(): void {
    const peeker = this.#peeker;
    if (peeker === undefined) return;
    this.#peeker = undefined;
    peeker();
  }

  /** Whether a reader has taken it (a body has one consumer). */
  get taken(): boolean {
    return this.#reader !== undefined || this.#done;
  }

  // --- the producer's side ---

  push(chunk: Buffer): boolean {
    if (this.#done || this.#ended) return false;
    if (chunk.length === 0) return true;
    this.#bytes += chunk.length;
    const reader = this.#reader;
    if (reader && !this.#paused && this.#chunks.length === 0 && !this.#delivering) {
      // The common case: handed straight on, nothing kept.
      if (reader.onData(chunk) !== false) return true;
      this.#paused = true;
      this.#full = true;
      return false;
    }
    this.#chunks.push(chunk);
    this.#unread += chunk.length;
    this.#peeked();
    if (reader && !this.#paused) this.#deliver();
    if (this.#paused || this.#unread >= this.#highWaterMark) this.#full = true;
    return !this.#full;
  }

  end(): void {
    if (this.#ended || this.#done) return;
    this.#ended = true;
    this.#peeked();
    this.#deliver();
  }

  /** The producer failed: the consumer sees the error, buffered bytes are dropped. */
  fail(error: Error): void {
    if (this.#ended || this.#done) return;
    this.#error = error;
    this.#ended = true;
    this.#chunks = [];
    this.#unread = 0;
    this.#peeked();
    const reader = this.#reader;
    if (reader) {
      this.#done = true;
      reader.onError(error);
    }
  }

  // --- the consumer's side ---

  read(reader: BodyReader): void {
    if (this.#reader || this.#done) throw new Error('a body is read once');
    this.#reader = reader;
    this.#source.start?.();
    if (this.#error) {
      this.#done = true;
      reader.onError(this.#error);
      return;
    }
    this.#deliver();
  }

  resume(): void {
    if (!this.#paused) return;
    this.#paused = false;
    this.#deliver();
  }

  /** The consumer gives up: nothing more is delivered, and the producer is told. */
  cancel(error: Error): void {
    if (this.#done) return;
    this.#done = true;
    this.#chunks = [];
    this.#unread = 0;
    this.#peeked();
    if (!this.#ended) this.#source.cancel?.(error);
  }

  /** Reads the whole body (a consumer that needs all of it: small bodies, tests). */
  toBuffer(): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      this.read({
        onData: (chunk) => {
          chunks.push(chunk);
          return true;
        },
        onEnd: () => resolve(Buffer.concat(chunks)),
        onError: reject,
      });
    });
  }

  /** For consumers that want a Node stream (node:http2, pipes). */
  toReadable(): Readable {
    const readable = new Readable({
      read: () => this.resume(),
      destroy: (error, callback) => {
        this.cancel(error ?? new Error('the stream was destroyed'));
        callback(error);
      },
    });
    this.read({
      onData: (chunk) => readable.push(chunk),
      onEnd: () => readable.push(null),
      onError: (error) => readable.destroy(error),
    });
    return readable;
  }

  #deliver(): void {
    const reader = this.#reader;
    if (!reader || this.#delivering || this.#done) return;
    this.#delivering = true;
    try {
      while (!this.#paused && this.#chunks.length > 0 && !this.#done) {
        const chunk = this.#chunks.shift() as Buffer;
        this.#unread -= chunk.length;
        if (reader.onData(chunk) === false) this.#paused = true;
      }
    } finally {
      this.#delivering = false;
    }
    if (this.#done) return;
    if (this.#chunks.length === 0 && this.#ended) {
      this.#done = true;
      reader.onEnd();
      return;
    }
    if (this.#full && !this.#paused && this.#unread < this.#highWaterMark) {
      this.#full = false;
      this.#source.pull?.();
    }
  }
}

/**
 * Writes a body into a Node stream with backpressure and ends it; a body that fails destroys
 * the stream (the far side must not take half a body as whole), and a stream that closes
 * first cancels the body.
 */
export function writeBodyTo(body: Body, out: Writable): void {
  const resume = () => body.resume();
  const closedFirst = () => body.cancel(new Error('the upstream stream closed first'));
  out.once('close', closedFirst);
  body.read({
    onData: (chunk) => {
      const flushed = out.write(chunk);
      if (!flushed) out.once('drain', resume);
      return flushed;
    },
    onEnd: () => {
      out.off('close', closedFirst);
      out.end();
    },
    onError: (error) => {
      out.off('close', closedFirst);
      out.destroy(error);
    },
  });
}
