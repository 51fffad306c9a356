/**
 * The one place errors become responses: a ProxyError (or anything thrown) turns into its status
 * with Linkerd's `l5d-proxy-error` header naming the code and reason, so a caller sees why the
 * proxy answered instead of its peer. Outermost layer of both stacks.
 */

import { HeaderList } from '../http/headers.ts';
import type { HttpHandler, ProxyResponse } from '../http/message.ts';
import { emptyResponse } from '../http/message.ts';
import type { Layer } from '../stack/stack.ts';
import { asProxyError, type ProxyError } from './proxy-error.ts';

/** Linkerd's header for errors the proxy itself produced. */
export const PROXY_ERROR_HEADER = 'l5d-proxy-error';

export interface RescueOptions {
  /** Called with every error turned into a response (for logs and metrics). */
  readonly onError?: (error: ProxyError) => void;
}

export function rescueLayer(options: RescueOptions = {}): Layer<HttpHandler> {
  return (inner) => async (request) => {
    try {
      return await inner(request);
    } catch (thrown) {
      const error = asProxyError(thrown);
      options.onError?.(error);
      return errorResponse(error);
    }
  };
}

export function errorResponse(error: ProxyError): ProxyResponse {
  // Header values must be one line of visible ASCII.
  const reason = error.message.replace(/[^\x20-\x7e]+/g, ' ').slice(0, 300);
  return emptyResponse(
    error.status,
    new HeaderList([PROXY_ERROR_HEADER, `${error.code}: ${reason}`, 'content-length', '0']),
  );
}
