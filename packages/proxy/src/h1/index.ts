/**
 * Our HTTP/1.1 engine on raw sockets (RFC 9112): a strict incremental parser, the serializer,
 * and the server side of a connection. See docs/decisions/0015-own-http1-engine.md.
 */

export type { H1PoolOptions } from './client.ts';
export { H1Pool } from './client.ts';
export type { H1ErrorCode } from './errors.ts';
export { H1ParseError } from './errors.ts';
export type { BodyKind, Framing, RequestFraming } from './framing.ts';
export type { H1Limits } from './limits.ts';
export { DEFAULT_H1_LIMITS } from './limits.ts';
export type { ParserEvents, RequestHead, ResponseHead } from './parser.ts';
export { RequestParser, ResponseParser } from './parser.ts';
export { headersOf } from './request.ts';
export type { H1Connection, H1ServerOptions } from './server.ts';
export { serveH1 } from './server.ts';
