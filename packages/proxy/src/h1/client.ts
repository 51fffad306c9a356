/**
 * The client side of the engine: a pool of kept-alive HTTP/1.1 connections to one address,
 * one request at a time on each (no pipelining: a slow answer must not hold others up). The
 * request body streams out with backpressure — length-delimited when it says its length,
 * chunked otherwise — and the response streams back as it is parsed, trailers after its end.
 */
import type { Socket } from 'node:net';
import { asProxyError, ProxyError } from '../errors/proxy-error.ts';
import { Body } from '../http/body.ts';
import type { HeaderList } from '../http/headers.ts';
import type { ProxyRequest, ProxyResponse } from '../http/message.ts';
import { DEFAULT_H1_LIMITS, type H1Limits } from './limits.ts';
import { type ResponseHead, ResponseParser } from './parser.ts';
import { headersOf } from './request.ts';
import { CHUNK_END, chunkHeader, LAST_CHUNK, requestHead } from './serialize.ts';

export interface H1PoolOptions {
  /** Opens a connection, up and ready (TLS handshaken); fails with a ProxyError. */
  readonly open: () => Promise<Socket>;
  /** Connections at most; requests past it wait for one to be free. */
  readonly maxConnections: number;
  /** An idle connection is closed after this. */
  readonly idleTimeoutMs: number;
  /** Names the upstream in errors. */
  readonly describe: string;
  readonly limits?: H1Limits;
}

/** Requests that may be sent again when a reused connection turns out dead (RFC 9110 §9.2.2). */
const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE', 'PUT', 'DELETE']);

interface Exchange {
  readonly request: ProxyRequest;
  resolve(response: ProxyResponse): void;
  reject(error: ProxyError): void;
  body: Body | undefined;
  trailers: HeaderList | undefined;
  settleTrailers: { resolve(t: HeaderList | undefined): void; reject(e: Error): void } | undefined;
  answered: boolean;
  sent: boolean;
  /** Sent again on a fresh connection after a reused one died. */
  retried: boolean;
  /** The connection carrying it, once there is one. */
  connection: Connection | undefined;
  /** Stops listening to the request's cancellation; called once the exchange is over. */
  unwatch: (() => void) | undefined;
}

class Connection {
  readonly parser: ResponseParser;
  exchange: Exchange | undefined;
  keepAlive = true;

  constructor(
    readonly socket: Socket,
    private readonly pool: H1Pool,
    limits: H1Limits,
    /** The pool's generation when this was opened: see H1Pool.retire(). */
    readonly generation: number,
  ) {
    this.parser = new ResponseParser(
      {
        onHead: (head) => this.onHead(head),
        onBody: (chunk) => {
          const body = this.exchange?.body;
          if (body && !body.push(chunk)) socket.pause();
        },
        onTrailers: (fields) => {
          if (this.exchange) this.exchange.trailers = headersOf(fields, []);
        },
        onEnd: () => this.onEnd(),
      },
      limits,
    );
    socket.on('data', (chunk: Buffer) => {
      const error = this.parser.push(chunk);
      if (error)
        this.fail(new ProxyError('UNEXPECTED', `the upstream's response: ${error.message}`));
    });
    socket.on('end', () => {
      const error = this.parser.finish();
      if (error) this.fail(new ProxyError('RESET', `${pool.options.describe} closed mid-response`));
      socket.end();
    });
    socket.on('error', (error) => this.fail(asProxyError(error)));
    // Armed only while idle in the pool (release); one listener for the connection's life.
    socket.on('timeout', () => socket.destroy());
    socket.on('close', () => {
      this.fail(
        new ProxyError(
          'RESET',
          `${pool.options.describe} closed the connection before the response ended`,
        ),
      );
      pool.closed(this);
    });
  }

  send(exchange: Exchange): void {
    this.exchange = exchange;
    exchange.connection = this;
    const { request } = exchange;
    this.parser.expect(request.method);
    const body = request.body;
    const headers = request.headers;
    const length = headers.get('content-length');
    const chunked = body !== null && length === undefined;
    let extra = `host: ${request.authority}\r\n`;
    if (chunked) extra += 'transfer-encoding: chunked\r\n';
    let head: string;
    try {
      head = requestHead(request.method, request.path, withoutExpect(headers), extra);
    } catch (error) {
      exchange.reject(new ProxyError('BAD_REQUEST', (error as Error).message));
      this.exchange = undefined;
      this.pool.release(this);
      return;
    }
    const socket = this.socket;
    if (!body) {
      socket.write(head, 'latin1');
      exchange.sent = true;
      return;
    }
    // A length-delimited body is sent once its last byte is written, which is known at once:
    // the upstream may answer before the body's end is seen (an echo), and the connection is
    // still clean for the next request.
    let unsent = chunked ? Number.POSITIVE_INFINITY : Number(length);
    const resume = () => body.resume();
    // What of the body is here goes out with the head, in one write.
    socket.cork();
    socket.write(head, 'latin1');
    body.read({
      onData: (chunk) => {
        let flushed: boolean;
        if (chunked) {
          socket.cork();
          socket.write(chunkHeader(chunk.length), 'latin1');
          socket.write(chunk);
          flushed = socket.write(CHUNK_END, 'latin1');
          socket.uncork();
        } else {
          flushed = socket.write(chunk);
          unsent -= chunk.length;
          if (unsent <= 0) exchange.sent = true;
        }
        if (!flushed) socket.once('drain', resume);
        return flushed;
      },
      onEnd: () => {
        if (chunked) socket.write(LAST_CHUNK, 'latin1');
        exchange.sent = true;
      },
      // The body failed, perhaps before we got to it (its caller went away while this
      // connection was being made): the upstream must not wait for the rest.
      onError: () => socket.destroy(),
    });
    socket.uncork();
  }

  private onHead(head: ResponseHead): void {
    const exchange = this.exchange;
    if (!exchange) return;
    this.keepAlive = head.framing.keepAlive;
    const hasBody = head.framing.body !== 'none';
    const socket = this.socket;
    // Its reader giving up leaves unread bytes on the wire: the connection goes with it.
    exchange.body = hasBody
      ? new Body({ pull: () => socket.resume(), cancel: () => socket.destroy() })
      : undefined;
    const trailers = new Promise<HeaderList | undefined>((resolve, reject) => {
      exchange.settleTrailers = { resolve, reject };
    });
    trailers.catch(() => {});
    exchange.answered = true;
    exchange.resolve({
      status: head.status,
      headers: headersOf(head.fields, head.framing.connection),
      body: exchange.body ?? null,
      trailers,
    });
  }

  private onEnd(): void {
    const exchange = this.exchange;
    if (!exchange) return;
    exchange.body?.end();
    // The body's last push may have paused reading (backpressure), and an ended body never asks
    // for more: the next response on this connection must be read all the same.
    this.socket.resume();
    exchange.settleTrailers?.resolve(exchange.trailers);
    exchange.unwatch?.();
    this.exchange = undefined;
    // A request body still being written (the upstream answered early) leaves the connection
    // in an unknown state: it is not reused.
    if (this.keepAlive && exchange.sent) {
      this.pool.release(this);
    } else this.socket.destroy();
  }

  fail(error: ProxyError): void {
    const exchange = this.exchange;
    if (!exchange) return;
    this.exchange = undefined;
    if (!exchange.answered) {
      const request = exchange.request;
      // The upstream closed an idle kept-alive connection as we reused it, or is going away: no
      // answer came, and an idempotent request may be sent again (RFC 9110 §9.2.2), once, on a
      // fresh connection (hyper and undici do the same for reused ones).
      if (
        !exchange.retried &&
        request.body === null &&
        IDEMPOTENT.has(request.method) &&
        error.code === 'RESET'
      ) {
        this.socket.destroy();
        exchange.retried = true;
        exchange.connection = undefined;
        this.pool.dispatch(exchange, true);
        return;
      }
      exchange.unwatch?.();
      // Both the kept-alive connection and a fresh one died before any answer: the upstream is
      // going away (a killed app's listener closes after its connections), so it is reported as
      // refused, the answer every later request gets too.
      if (exchange.retried && error.code === 'RESET') {
        exchange.reject(
          new ProxyError('CONNECT_REFUSED', `${this.pool.options.describe}: ${error.message}`),
        );
      } else exchange.reject(error);
    } else {
      exchange.unwatch?.();
      exchange.body?.fail(error);
      exchange.settleTrailers?.reject(error);
    }
    this.socket.destroy();
  }
}

export class H1Pool {
  private readonly idle: Connection[] = [];
  private readonly waiting: Exchange[] = [];
  private open = 0;
  private closing = false;
  private generation = 0;

  constructor(readonly options: H1PoolOptions) {}

  request(request: ProxyRequest): Promise<ProxyResponse> {
    return new Promise((resolve, reject) => {
      const exchange: Exchange = {
        request,
        resolve,
        reject,
        body: undefined,
        trailers: undefined,
        settleTrailers: undefined,
        answered: false,
        sent: false,
        retried: false,
        connection: undefined,
        unwatch: undefined,
      };
      const cancel = request.cancel;
      if (cancel) {
        if (cancel.reason) {
          reject(cancel.reason);
          return;
        }
        exchange.unwatch = cancel.onCancel((reason) => this.cancel(exchange, reason));
      }
      this.dispatch(exchange, false);
    });
  }

  /**
   * Its sender gave up (a timeout): a queued request leaves the queue; one on a connection
   * fails with `reason`, and the connection is reset, since the upstream may still be answering.
   */
  private cancel(exchange: Exchange, reason: ProxyError): void {
    const queued = this.waiting.indexOf(exchange);
    if (queued !== -1) {
      this.waiting.splice(queued, 1);
      exchange.reject(reason);
      return;
    }
    exchange.retried = true; // never sent again
    if (exchange.connection) exchange.connection.fail(reason);
    // Still connecting: rejected now; the connection, once up, is released unused (connect).
    else exchange.reject(reason);
  }

  /** Sends on an idle connection, a new one, or queues; `fresh` skips idle ones (a retry). */
  dispatch(exchange: Exchange, fresh: boolean): void {
    if (this.closing) {
      exchange.reject(new ProxyError('RESET', 'the pool is closed'));
      return;
    }
    const idle = fresh ? undefined : this.idle.pop();
    if (idle) {
      idle.socket.setTimeout(0);
      idle.send(exchange);
      return;
    }
    if (this.open >= this.options.maxConnections) {
      this.waiting.push(exchange);
      return;
    }
    this.connect(exchange);
  }

  private connect(exchange: Exchange): void {
    this.open++;
    this.options.open().then(
      (socket) => {
        socket.setNoDelay(true);
        const limits = this.options.limits ?? DEFAULT_H1_LIMITS;
        const connection = new Connection(socket, this, limits, this.generation);
        if (exchange.request.cancel?.cancelled) this.release(connection);
        else connection.send(exchange);
      },
      (error: unknown) => {
        this.open--;
        exchange.reject(asProxyError(error));
        const next = this.waiting.shift();
        if (next) this.dispatch(next, true);
      },
    );
  }

  release(connection: Connection): void {
    if (connection.generation !== this.generation) {
      connection.socket.destroy();
      return;
    }
    const next = this.waiting.shift();
    if (next) {
      connection.send(next);
      return;
    }
    if (this.closing) {
      connection.socket.destroy();
      return;
    }
    this.idle.push(connection);
    connection.socket.setTimeout(this.options.idleTimeoutMs);
  }

  closed(connection: Connection): void {
    this.open--;
    const at = this.idle.indexOf(connection);
    if (at !== -1) this.idle.splice(at, 1);
    const next = this.waiting.shift();
    if (next) this.dispatch(next, true);
  }

  /**
   * From now on, only connections opened after this call carry requests: idle ones close now,
   * busy ones once their exchange ends (new credentials must be presented on the next request).
   */
  retire(): void {
    this.generation++;
    for (const connection of this.idle.splice(0)) connection.socket.destroy();
  }

  close(): void {
    this.closing = true;
    for (const connection of this.idle.splice(0)) connection.socket.destroy();
    for (const exchange of this.waiting.splice(0))
      exchange.reject(new ProxyError('RESET', 'the pool is closed'));
  }
}

/**
 * `expect` is answered by the proxy that received it, never forwarded. A copy, not an edit: the
 * request may be sent again on a fresh connection.
 */
function withoutExpect(headers: HeaderList): HeaderList {
  if (!headers.has('expect')) return headers;
  const result = headers.clone();
  result.delete('expect');
  return result;
}
