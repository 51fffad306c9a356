/**
 * Errors the proxy raises. Every one has a stable code; the rescue layer is the one place that
 * turns them into responses. Codes follow Linkerd's error labels where one fits.
 */

export type ProxyErrorCode =
  /** No endpoint is ready for the service (none known, or all failing). */
  | 'FAIL_FAST'
  /** The authority names no service the proxy knows. */
  | 'UNKNOWN_SERVICE'
  /** Too many requests in flight. */
  | 'LOAD_SHED'
  /** The upstream refused or dropped the connection. */
  | 'CONNECT_REFUSED'
  | 'CONNECT_TIMEOUT'
  /** The peer proxy's certificate does not name the identity discovery gave for it. */
  | 'PEER_IDENTITY_MISMATCH'
  /** The TLS handshake with the peer failed for another reason. */
  | 'TLS_HANDSHAKE'
  /** The upstream reset the stream or connection mid-request. */
  | 'RESET'
  /** One try got no response head within the retry policy's `perTryTimeout`. */
  | 'RESPONSE_TIMEOUT'
  /** The route's timeout, or the deadline the request carried, ran out (Linkerd's label). */
  | 'REQUEST_TIMEOUT'
  /** A circuit breaker's limit towards the service is reached; the request was not sent. */
  | 'CIRCUIT_OPEN'
  /** The caller is not allowed (policy), or did not present a mesh identity. */
  | 'UNAUTHORIZED'
  /** The service's rate limit refused the request; `retryAfterSeconds` says when to come back. */
  | 'RATE_LIMITED'
  /** The request could not be understood. */
  | 'BAD_REQUEST'
  | 'UNEXPECTED';

const STATUS: Record<ProxyErrorCode, number> = {
  FAIL_FAST: 503,
  UNKNOWN_SERVICE: 503,
  LOAD_SHED: 503,
  CONNECT_REFUSED: 502,
  CONNECT_TIMEOUT: 504,
  PEER_IDENTITY_MISMATCH: 502,
  TLS_HANDSHAKE: 502,
  RESET: 502,
  RESPONSE_TIMEOUT: 504,
  REQUEST_TIMEOUT: 504,
  CIRCUIT_OPEN: 503,
  UNAUTHORIZED: 403,
  RATE_LIMITED: 429,
  BAD_REQUEST: 400,
  UNEXPECTED: 502,
};

/**
 * What a gRPC caller gets instead of the HTTP status (Linkerd's errors/respond.rs): timeouts are
 * DEADLINE_EXCEEDED (4), a refused caller PERMISSION_DENIED (7), a rate-limited one
 * RESOURCE_EXHAUSTED (8), a request the proxy could not
 * read INTERNAL (13, gRPC's mapping of HTTP 400), and everything about reaching the service
 * UNAVAILABLE (14), the code gRPC clients treat as transient.
 */
const GRPC_STATUS: Record<ProxyErrorCode, number> = {
  FAIL_FAST: 14,
  UNKNOWN_SERVICE: 14,
  LOAD_SHED: 14,
  CONNECT_REFUSED: 14,
  CONNECT_TIMEOUT: 14,
  PEER_IDENTITY_MISMATCH: 14,
  TLS_HANDSHAKE: 14,
  RESET: 14,
  RESPONSE_TIMEOUT: 4,
  REQUEST_TIMEOUT: 4,
  CIRCUIT_OPEN: 14,
  UNAUTHORIZED: 7,
  RATE_LIMITED: 8,
  BAD_REQUEST: 13,
  UNEXPECTED: 13,
};

export class ProxyError extends Error {
  readonly code: ProxyErrorCode;
  /** The HTTP status the client gets. */
  readonly status: number;
  /** The gRPC status a gRPC caller gets instead. */
  readonly grpcStatus: number;
  /** Sent as `Retry-After` (RATE_LIMITED). */
  readonly retryAfterSeconds: number | undefined;

  /** `status` overrides the code's own, for BAD_REQUEST's kinds (414, 431, 501, 505 …). */
  constructor(
    code: ProxyErrorCode,
    message: string,
    options?: { cause?: unknown; status?: number; retryAfterSeconds?: number },
  ) {
    super(message, options);
    this.name = 'ProxyError';
    this.code = code;
    this.status = options?.status ?? STATUS[code];
    this.grpcStatus = GRPC_STATUS[code];
    this.retryAfterSeconds = options?.retryAfterSeconds;
  }
}

/** Any thrown value as a ProxyError: socket errors get their matching code. */
export function asProxyError(error: unknown): ProxyError {
  if (error instanceof ProxyError) return error;
  const e = error as NodeJS.ErrnoException;
  switch (e?.code) {
    case 'ECONNREFUSED':
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return new ProxyError('CONNECT_REFUSED', e.message, { cause: e });
    case 'ETIMEDOUT':
      return new ProxyError('CONNECT_TIMEOUT', e.message, { cause: e });
    case 'ECONNRESET':
    case 'EPIPE':
    case 'ERR_HTTP2_STREAM_ERROR':
    case 'ERR_HTTP2_STREAM_CANCEL':
    case 'ERR_HTTP2_GOAWAY_SESSION':
    case 'ERR_STREAM_PREMATURE_CLOSE':
      return new ProxyError('RESET', e.message, { cause: e });
    default:
      return new ProxyError('UNEXPECTED', e?.message ?? String(error), { cause: error });
  }
}
