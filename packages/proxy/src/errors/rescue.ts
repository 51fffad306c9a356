/**
 * The one place errors become responses: a ProxyError (or anything thrown) turns into its status
 * with Linkerd's `l5d-proxy-error` header naming the code and reason, so a caller sees why the
 * proxy answered instead of its peer; a gRPC caller gets its gRPC status instead, answered
 * trailers-only (HTTP 200, `grpc-status` and `grpc-message` in the headers that end the stream),
 * since a gRPC client reads no HTTP error status. Outermost layer of both stacks.
 */

import { HeaderList } from '../http/headers.ts';
import {
  emptyResponse,
  type HttpHandler,
  isGrpc,
  type ProxyRequest,
  type ProxyResponse,
} from '../http/message.ts';
import type { Layer } from '../stack/stack.ts';
import { asProxyError, type ProxyError } from './proxy-error.ts';

/** Linkerd's header for errors the proxy itself produced. */
export const PROXY_ERROR_HEADER = 'l5d-proxy-error';

export interface RescueOptions {
  /** Called with every error turned into a response, and its request (for logs and metrics). */
  readonly onError?: (error: ProxyError, request: ProxyRequest) => void;
}

export function rescueLayer(options: RescueOptions = {}): Layer<HttpHandler> {
  return (inner) => async (request) => {
    try {
      return await inner(request);
    } catch (thrown) {
      const error = asProxyError(thrown);
      options.onError?.(error, request);
      return errorResponse(error, request.headers);
    }
  };
}

/** The response for `error`, in gRPC's terms when the request's headers say it is a gRPC call. */
export function errorResponse(error: ProxyError, requestHeaders?: HeaderList): ProxyResponse {
  // Header values must be one line of visible ASCII.
  const reason = error.message.replace(/[^\x20-\x7e]+/g, ' ').slice(0, 300);
  const proxyError = `${error.code}: ${reason}`;
  const retryAfter =
    error.retryAfterSeconds === undefined ? [] : ['retry-after', String(error.retryAfterSeconds)];
  if (requestHeaders !== undefined && isGrpc(requestHeaders)) {
    return emptyResponse(
      200,
      new HeaderList([
        'content-type',
        'application/grpc',
        'grpc-status',
        String(error.grpcStatus),
        'grpc-message',
        grpcMessage(proxyError),
        PROXY_ERROR_HEADER,
        proxyError,
        ...retryAfter,
      ]),
    );
  }
  return emptyResponse(
    error.status,
    new HeaderList([PROXY_ERROR_HEADER, proxyError, ...retryAfter, 'content-length', '0']),
  );
}

/** gRPC's percent-encoding of `grpc-message` (PROTOCOL-HTTP2.md): '%' and non-printables. */
function grpcMessage(text: string): string {
  return text.replace(/%/g, '%25');
}
