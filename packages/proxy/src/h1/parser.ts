/**
 * An incremental HTTP/1.1 message parser (RFC 9112) for one connection, fed the socket's reads
 * as they come, split anywhere. Heads are parsed line by line from the buffers that arrived (a
 * line is copied only when it spans two reads); bodies are handed on as slices of those
 * buffers, never copied. It never throws: `push` returns the first error, after which the
 * connection must be closed without forwarding anything more (the caller never saw a head that
 * failed, so no half-accepted request reaches an app).
 */

import { CR, LF } from './chars.ts';
import { parseChunkSize } from './chunked.ts';
import { H1ParseError } from './errors.ts';
import { type Framing, type RequestFraming, requestFraming, responseFraming } from './framing.ts';
import { DEFAULT_H1_LIMITS, type H1Limits } from './limits.ts';
import {
  parseFieldLine,
  parseRequestLine,
  parseStatusLine,
  type RequestLine,
  type StatusLine,
} from './lines.ts';

export interface RequestHead {
  readonly method: string;
  readonly target: string;
  readonly minor: 0 | 1;
  /** Flat name/value pairs in arrival order, names lower case. */
  readonly fields: string[];
  readonly framing: RequestFraming;
}

export interface ResponseHead {
  readonly status: number;
  readonly reason: string;
  readonly minor: 0 | 1;
  readonly fields: string[];
  readonly framing: Framing;
}

export interface ParserEvents<Head> {
  onHead(head: Head): void;
  onBody(chunk: Buffer): void;
  /** The trailer section of a chunked body, when it has fields (framing fields removed). */
  onTrailers(fields: string[]): void;
  onEnd(): void;
}

enum State {
  StartLine,
  Fields,
  Length,
  ChunkSize,
  ChunkData,
  ChunkDataEnd,
  Trailers,
  UntilClose,
  /** After a request with `Connection: close` or an upgrade: bytes are kept, not parsed. */
  Done,
  Failed,
}

/** Fields that frame a message, which must never come from a trailer (RFC 9110 §6.5.1). */
const NOT_IN_TRAILERS = new Set(['content-length', 'transfer-encoding', 'host', 'connection']);

abstract class Parser<Head> {
  protected state = State.StartLine;
  protected fields: string[] = [];
  /** Pieces of a line not yet ended by LF. */
  private partial: Buffer[] = [];
  private partialBytes = 0;
  /** Bytes of the current head (or trailer section) so far, for maxHeaderBytes. */
  private sectionBytes = 0;
  private remaining = 0;
  private bodyBytes = 0;
  private chunkEndSeen = 0;
  private paused = false;
  private held: Buffer[] = [];
  /** What came after the message that ended parsing (an upgrade's first bytes, or ignored). */
  private after: Buffer[] = [];
  private keepRest = false;

  constructor(
    protected readonly events: ParserEvents<Head>,
    protected readonly limits: H1Limits,
  ) {}

  /** Parses what the socket delivered; returns the error that ends the connection, if any. */
  push(chunk: Buffer): H1ParseError | undefined {
    if (this.state === State.Failed) return undefined;
    if (this.state === State.Done) {
      if (this.keepRest) this.after.push(chunk);
      return undefined;
    }
    if (this.paused) {
      this.held.push(chunk);
      return undefined;
    }
    try {
      this.execute(chunk);
      return undefined;
    } catch (error) {
      if (!(error instanceof H1ParseError)) throw error;
      this.state = State.Failed;
      return error;
    }
  }

  /** The socket ended: ends a body read until close, or reports the message cut short. */
  finish(): H1ParseError | undefined {
    if (this.state === State.UntilClose) {
      this.state = State.Done;
      this.events.onEnd();
      return undefined;
    }
    const idle =
      this.state === State.StartLine && this.partialBytes === 0 && this.sectionBytes === 0;
    if (idle || this.state === State.Done || this.state === State.Failed) return undefined;
    this.state = State.Failed;
    return new H1ParseError('INCOMPLETE_MESSAGE', 400, 'the connection ended inside a message');
  }

  /** Stops delivering events (body backpressure, or a pipeline deep enough) until resume. */
  pause(): void {
    this.paused = true;
  }

  resume(): H1ParseError | undefined {
    if (!this.paused) return undefined;
    this.paused = false;
    const held = this.held;
    this.held = [];
    for (const chunk of held) {
      const error = this.push(chunk);
      if (error) return error;
    }
    return undefined;
  }

  get isPaused(): boolean {
    return this.paused;
  }

  /** Whether the parser is between messages, with nothing of a next one seen. */
  get idle(): boolean {
    return this.state === State.StartLine && this.partialBytes === 0 && this.held.length === 0;
  }

  /** Bytes that followed the last message (an upgraded connection's first bytes). */
  takeRest(): Buffer[] {
    const rest = [...this.held, ...this.after];
    this.held = [];
    this.after = [];
    return rest;
  }

  protected abstract startLine(buf: Buffer, start: number, end: number): void;
  protected abstract headEnded(): Framing;
  protected abstract lineTooLong(inStartLine: boolean): H1ParseError;

  private execute(buf: Buffer): void {
    let pos = 0;
    const length = buf.length;
    while (pos < length) {
      if (this.paused) {
        this.held.push(pos === 0 ? buf : buf.subarray(pos));
        return;
      }
      switch (this.state) {
        case State.Length: {
          const n = Math.min(this.remaining, length - pos);
          this.remaining -= n;
          const slice = n === length && pos === 0 ? buf : buf.subarray(pos, pos + n);
          pos += n;
          this.events.onBody(slice);
          if (this.remaining === 0) this.messageEnded();
          continue;
        }
        case State.ChunkData: {
          const n = Math.min(this.remaining, length - pos);
          this.remaining -= n;
          const slice = buf.subarray(pos, pos + n);
          pos += n;
          this.events.onBody(slice);
          if (this.remaining === 0) {
            this.state = State.ChunkDataEnd;
            this.chunkEndSeen = 0;
          }
          continue;
        }
        case State.ChunkDataEnd: {
          // Exactly CRLF after chunk-data (§7.1), possibly split between reads.
          const expected = this.chunkEndSeen === 0 ? CR : LF;
          if (buf[pos] !== expected) {
            throw new H1ParseError(
              'BAD_CHUNK_END',
              400,
              'chunk data not followed by CRLF (RFC 9112 §7.1)',
            );
          }
          pos++;
          if (++this.chunkEndSeen === 2) this.state = State.ChunkSize;
          continue;
        }
        case State.UntilClose: {
          this.events.onBody(pos === 0 ? buf : buf.subarray(pos));
          return;
        }
        case State.Done: {
          if (this.keepRest) this.after.push(buf.subarray(pos));
          return;
        }
        default:
          pos = this.line(buf, pos);
      }
    }
  }

  /** Consumes one line (or what there is of it) from pos; returns where parsing goes on. */
  private line(buf: Buffer, pos: number): number {
    const lf = buf.indexOf(LF, pos);
    const inStartLine = this.state === State.StartLine;
    const limit = this.lineLimit();
    if (lf === -1) {
      this.partial.push(pos === 0 ? buf : buf.subarray(pos));
      this.partialBytes += buf.length - pos;
      this.checkSectionSize(this.partialBytes, limit, inStartLine);
      return buf.length;
    }
    let line = buf;
    let start = pos;
    let end = lf;
    if (this.partial.length > 0) {
      this.partial.push(buf.subarray(pos, lf));
      line = Buffer.concat(this.partial);
      start = 0;
      end = line.length;
      this.partial = [];
      this.partialBytes = 0;
    }
    this.checkSectionSize(end - start + 1, limit, inStartLine);
    // §2.2: lines end with CRLF; a bare LF is not accepted as a line terminator here.
    if (end === start || line[end - 1] !== CR) {
      throw new H1ParseError('BARE_LF', 400, 'a line ended by LF without CR (RFC 9112 §2.2)');
    }
    end--;
    this.sectionBytes += end - start + 2;
    this.lineComplete(line, start, end);
    return lf + 1;
  }

  private lineLimit(): number {
    if (this.state === State.StartLine) return this.limits.maxStartLineBytes;
    if (this.state === State.ChunkSize) return this.limits.maxChunkExtensionBytes + 32;
    return this.limits.maxHeaderBytes;
  }

  private checkSectionSize(pending: number, limit: number, inStartLine: boolean): void {
    if (this.state === State.ChunkSize) {
      if (pending > limit) {
        throw new H1ParseError(
          'CHUNK_EXTENSIONS_TOO_LONG',
          400,
          `a chunk-size line of over ${limit} bytes (RFC 9112 §7.1.1)`,
        );
      }
      return;
    }
    if (inStartLine ? pending > limit : this.sectionBytes + pending > limit) {
      throw this.lineTooLong(inStartLine);
    }
  }

  private lineComplete(buf: Buffer, start: number, end: number): void {
    switch (this.state) {
      case State.StartLine:
        // §2.2: at least one empty line before a request-line is ignored (old clients' CRLF
        // after a POST body); the bytes still count toward the start line's limit.
        if (start === end) return;
        this.startLine(buf, start, end);
        this.sectionBytes = 0;
        this.state = State.Fields;
        return;
      case State.Fields:
        if (start === end) {
          this.beginBody(this.headEnded());
          return;
        }
        if (this.fields.length >= this.limits.maxFields * 2) {
          throw new H1ParseError(
            'TOO_MANY_FIELDS',
            431,
            `more than ${this.limits.maxFields} header fields`,
          );
        }
        parseFieldLine(buf, start, end, this.fields);
        return;
      case State.ChunkSize: {
        const size = parseChunkSize(buf, start, end, this.limits.maxChunkExtensionBytes);
        if (size === 0) {
          this.state = State.Trailers;
          this.sectionBytes = 0;
          this.fields = [];
          return;
        }
        this.bodyBytes += size;
        if (this.bodyBytes > this.limits.maxBodyBytes) {
          throw new H1ParseError(
            'BODY_TOO_LARGE',
            413,
            `a chunked body over ${this.limits.maxBodyBytes} bytes`,
          );
        }
        this.remaining = size;
        this.state = State.ChunkData;
        return;
      }
      case State.Trailers: {
        if (start !== end) {
          if (this.fields.length >= this.limits.maxFields * 2) {
            throw new H1ParseError(
              'TOO_MANY_FIELDS',
              431,
              `more than ${this.limits.maxFields} trailer fields`,
            );
          }
          parseFieldLine(buf, start, end, this.fields);
          return;
        }
        const trailers: string[] = [];
        for (let i = 0; i < this.fields.length; i += 2) {
          const name = this.fields[i] as string;
          if (!NOT_IN_TRAILERS.has(name)) trailers.push(name, this.fields[i + 1] as string);
        }
        if (trailers.length > 0) this.events.onTrailers(trailers);
        this.messageEnded();
        return;
      }
    }
  }

  private framing: Framing | undefined;

  private beginBody(framing: Framing): void {
    this.framing = framing;
    this.bodyBytes = 0;
    switch (framing.body) {
      case 'none':
        this.messageEnded();
        return;
      case 'length':
        this.remaining = framing.contentLength;
        this.state = State.Length;
        return;
      case 'chunked':
        this.state = State.ChunkSize;
        return;
      case 'close':
        this.state = State.UntilClose;
        return;
    }
  }

  /** Whether the message just parsed is one the events hear the end of. */
  protected endsMessage(): boolean {
    return true;
  }

  private messageEnded(): void {
    const framing = this.framing as Framing;
    this.framing = undefined;
    this.fields = [];
    this.sectionBytes = 0;
    const interim = !this.endsMessage();
    if (interim || (framing.keepAlive && framing.upgrade === undefined)) {
      this.state = State.StartLine;
    } else {
      this.state = State.Done;
      // Only an upgraded connection's bytes have a reader; after `close` they are dropped.
      this.keepRest = framing.upgrade !== undefined;
    }
    if (!interim) this.events.onEnd();
  }
}

/** Parses the requests a client sends on one connection (a server's side). */
export class RequestParser extends Parser<RequestHead> {
  private requestLine: { method: string; target: string; minor: 0 | 1 } | undefined;

  constructor(events: ParserEvents<RequestHead>, limits: H1Limits = DEFAULT_H1_LIMITS) {
    super(events, limits);
  }

  protected startLine(buf: Buffer, start: number, end: number): void {
    const line = parseRequestLine(buf, start, end);
    checkTargetForm(line.method, line.target);
    this.requestLine = line;
  }

  protected headEnded(): Framing {
    const line = this.requestLine as RequestLine;
    const fields = this.fields;
    const framing = requestFraming(fields, line.minor, this.limits);
    this.events.onHead({
      method: line.method,
      target: line.target,
      minor: line.minor,
      fields,
      framing,
    });
    return framing;
  }

  protected lineTooLong(inStartLine: boolean): H1ParseError {
    return inStartLine
      ? new H1ParseError(
          'REQUEST_LINE_TOO_LONG',
          414,
          `a request line over ${this.limits.maxStartLineBytes} bytes`,
        )
      : new H1ParseError(
          'HEADERS_TOO_LARGE',
          431,
          `a header section over ${this.limits.maxHeaderBytes} bytes`,
        );
  }
}

/** Parses the responses on a connection a client opened; told each request's method in order. */
export class ResponseParser extends Parser<ResponseHead> {
  private readonly methods: string[] = [];
  private statusLine: StatusLine | undefined;
  private interim = false;

  constructor(events: ParserEvents<ResponseHead>, limits: H1Limits = DEFAULT_H1_LIMITS) {
    super(events, limits);
  }

  /** The next response answers a request with this method (HEAD's has no body, §6.3). */
  expect(method: string): void {
    this.methods.push(method);
  }

  protected startLine(buf: Buffer, start: number, end: number): void {
    this.statusLine = parseStatusLine(buf, start, end);
  }

  protected headEnded(): Framing {
    const line = this.statusLine as StatusLine;
    const fields = this.fields;
    const method = this.methods[0] ?? 'GET';
    const framing = responseFraming(fields, line.minor, line.status, method);
    // An interim response (100, 103) is followed by the final one for the same request; it is
    // dropped here (the client's own Expect was answered by the proxy that received it).
    this.interim = line.status < 200 && line.status !== 101;
    if (!this.interim) {
      this.methods.shift();
      this.events.onHead({
        status: line.status,
        reason: line.reason,
        minor: line.minor,
        fields,
        framing,
      });
    }
    return framing;
  }

  protected override endsMessage(): boolean {
    return !this.interim;
  }

  protected lineTooLong(inStartLine: boolean): H1ParseError {
    return new H1ParseError(
      'HEADERS_TOO_LARGE',
      502,
      inStartLine ? 'a status line over the limit' : 'a response header section over the limit',
    );
  }
}

/**
 * The four request-target forms (RFC 9112 §3.2): origin-form for every method, absolute-form
 * (we are an HTTP proxy to our app), asterisk-form for OPTIONS only. CONNECT's authority-form
 * would open a tunnel, which this proxy does not offer (501).
 */
function checkTargetForm(method: string, target: string): void {
  if (method === 'CONNECT') {
    throw new H1ParseError(
      'UNSUPPORTED_METHOD',
      501,
      'CONNECT tunnels are not offered (RFC 9110 §9.3.6)',
    );
  }
  const first = target.charCodeAt(0);
  if (first === 0x2f /* / */) return;
  if (target === '*') {
    if (method === 'OPTIONS') return;
    throw new H1ParseError(
      'BAD_TARGET',
      400,
      'asterisk-form is for OPTIONS only (RFC 9112 §3.2.4)',
    );
  }
  if (/^[a-zA-Z][a-zA-Z0-9+.-]*:\/\/[^/?#]+/.test(target)) return;
  throw new H1ParseError('BAD_TARGET', 400, 'the request-target is in no form of RFC 9112 §3.2');
}
