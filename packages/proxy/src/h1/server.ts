/**
 * Serves HTTP/1.1 on one connection with our parser: each request becomes a ProxyRequest for
 * the stack, answers go back in request order (pipelining, RFC 9112 §9.3.2), bodies stream both
 * ways with backpressure, `Expect: 100-continue` is answered when the body is first pulled, an
 * upgrade's 101 turns the connection into a tunnel. A request the parser refuses is answered
 * with its status and the connection closed; nothing of it is handed to the stack.
 */

import type { Socket } from 'node:net';
import { ProxyError } from '../errors/proxy-error.ts';
import { errorResponse } from '../errors/rescue.ts';
import { Body } from '../http/body.ts';
import type { HttpHandler, ProxyResponse } from '../http/message.ts';
import type { ConnectionFacts } from '../http/serve.ts';
import { refuse, tunnel } from '../upgrade/tunnel.ts';
import { H1ParseError } from './errors.ts';
import { DEFAULT_H1_LIMITS, type H1Limits } from './limits.ts';
import { type RequestHead, RequestParser } from './parser.ts';
import { toProxyRequest } from './request.ts';
import { type ResponseTarget, writeResponse } from './respond.ts';

export interface H1ServerOptions {
  readonly limits?: H1Limits;
  /** A request head must arrive within this once its first byte has (408 after). Default 10 s. */
  readonly headerTimeoutMs?: number;
  /** An idle kept-alive connection is closed after this. Default 60 s, past clients' own 4–5 s. */
  readonly idleTimeoutMs?: number;
  /** Requests parsed ahead of their answers, per connection; reading waits past it. */
  readonly maxPipelined?: number;
}

/** What a listener holds of a served connection, to drain it. */
export interface H1Connection {
  /** Closes once the responses in flight are written (at once when there are none). */
  drain(): void;
}

interface Exchange extends ResponseTarget {
  response: ProxyResponse | undefined;
  body: Body | null;
  upgrade: boolean;
}

const CONTINUE = 'HTTP/1.1 100 Continue\r\n\r\n';

export function serveH1(
  socket: Socket,
  handler: HttpHandler,
  facts: ConnectionFacts,
  options: H1ServerOptions = {},
): H1Connection {
  const limits = options.limits ?? DEFAULT_H1_LIMITS;
  const headerTimeoutMs = options.headerTimeoutMs ?? 10_000;
  const maxPipelined = options.maxPipelined ?? 16;
  const queue: Exchange[] = [];
  let writing = false;
  let draining = false;
  let awaitingHead = true;
  let headTimer: NodeJS.Timeout | undefined;
  /** The request body being parsed, until its end. */
  let body: Body | null = null;

  const parser = new RequestParser(
    {
      onHead: (head) => {
        awaitingHead = false;
        if (headTimer) clearTimeout(headTimer);
        headTimer = undefined;
        accept(head);
      },
      onBody: (chunk) => {
        if (body && !body.push(chunk)) socket.pause();
      },
      onTrailers: () => {
        // Request trailers are rare and nothing downstream reads them: dropped (RFC 9110 §6.5).
      },
      onEnd: () => {
        body?.end();
        body = null;
        awaitingHead = true;
        // The body's last push may have paused reading, and an ended body never asks for more;
        // the next request is read unless the pipeline is full.
        if (!parser.isPaused) socket.resume();
      },
    },
    limits,
  );

  const accept = (head: RequestHead) => {
    const framing = head.framing;
    const exchange: Exchange = {
      method: head.method,
      minor: head.minor,
      keepAlive: framing.keepAlive && !draining,
      response: undefined,
      body: null,
      upgrade: framing.upgrade !== undefined,
    };
    if (framing.body !== 'none') {
      exchange.body = body = new Body({
        // RFC 9110 §10.1.1: the client waits for 100 once someone wants its body, unless an
        // answer to an earlier request is still being written (the 100 would come inside it).
        start: () => {
          if (framing.expectContinue && queue[0] === exchange && !writing) socket.write(CONTINUE);
        },
        pull: () => socket.resume(),
      });
    }
    queue.push(exchange);
    if (queue.length >= maxPipelined) {
      parser.pause();
      socket.pause();
    }
    let request: ReturnType<typeof toProxyRequest>;
    try {
      request = toProxyRequest(head, exchange.body, facts);
    } catch (error) {
      answer(exchange, errorResponse(error as ProxyError));
      return;
    }
    handler(request).then(
      (response) => answer(exchange, response),
      (error: Error) =>
        answer(exchange, errorResponse(new ProxyError('UNEXPECTED', error.message))),
    );
  };

  const answer = (exchange: Exchange, response: ProxyResponse) => {
    exchange.response = response;
    flush();
  };

  const flush = () => {
    while (!writing && queue.length > 0 && (queue[0] as Exchange).response) {
      const exchange = queue[0] as Exchange;
      const response = exchange.response as ProxyResponse;
      if (socket.destroyed) return response.body?.cancel(new Error('the client went away'));
      if (exchange.upgrade) return upgraded(response);
      // A request body nobody read to its end leaves unknown bytes on the wire: close after.
      if (exchange.body !== null && exchange.body === body) exchange.keepAlive = false;
      writing = true;
      writeResponse(socket, exchange, response).then(
        () => {
          writing = false;
          queue.shift();
          if (!exchange.keepAlive || (draining && queue.length === 0)) return socket.end();
          if (parser.isPaused && queue.length < maxPipelined) {
            socket.resume();
            failed(parser.resume());
          }
          flush();
        },
        () => socket.destroy(),
      );
    }
  };

  const upgraded = (response: ProxyResponse) => {
    queue.length = 0;
    socket.off('data', onData).off('end', onEnd);
    socket.pause();
    for (const rest of parser.takeRest().reverse()) socket.unshift(rest);
    if (response.status === 101 && response.upgraded) tunnel(socket, response, response.upgraded);
    else refuse(socket, response);
  };

  const failed = (error: H1ParseError | undefined) => {
    if (!error) return;
    const refusal = errorResponse(
      new ProxyError('BAD_REQUEST', error.message, { status: error.status }),
    );
    body?.fail(new ProxyError('BAD_REQUEST', error.message));
    body = null;
    socket.off('data', onData);
    // Answered in turn, after what was accepted before it; then the connection closes.
    queue.push({
      method: 'GET',
      minor: 1,
      keepAlive: false,
      response: refusal,
      body: null,
      upgrade: false,
    });
    flush();
  };

  const onData = (chunk: Buffer) => {
    if (awaitingHead && headTimer === undefined && !writing) {
      headTimer = setTimeout(
        () =>
          failed(
            new H1ParseError(
              'HEADER_TIMEOUT',
              408,
              `no complete request head within ${headerTimeoutMs} ms`,
            ),
          ),
        headerTimeoutMs,
      );
    }
    failed(parser.push(chunk));
  };
  const onEnd = () => {
    const error = parser.finish();
    if (error) body?.fail(new ProxyError('RESET', error.message));
    // The client has said all it will: answer what it asked, then close.
    draining = true;
    if (queue.length === 0) socket.end();
  };
  socket.on('data', onData).on('end', onEnd);
  socket.on('error', () => socket.destroy());
  socket.once('close', () => {
    if (headTimer) clearTimeout(headTimer);
    body?.fail(new ProxyError('RESET', 'the client closed the connection mid-request'));
    const gone = new Error('the client closed the connection');
    for (const exchange of queue) exchange.response?.body?.cancel(gone);
    queue.length = 0;
  });
  socket.setTimeout(options.idleTimeoutMs ?? 60_000, () => {
    if (queue.length === 0 && parser.idle) socket.destroy();
  });

  return {
    drain: () => {
      draining = true;
      if (queue.length === 0) socket.destroy();
    },
  };
}
