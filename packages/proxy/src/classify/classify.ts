/**
 * The one response classifier. Metrics, retries and circuit breakers all ask it whether an
 * exchange failed, so they can never disagree. Linkerd's rule: failure is an error, an HTTP 5xx,
 * or a gRPC status other than OK (0).
 */
import type { HeaderList } from '../http/headers.ts';

export type Classification = 'success' | 'failure';

export interface Outcome {
  readonly classification: Classification;
  /** The HTTP status, when a response arrived. */
  readonly status?: number;
  /** gRPC status from the trailers (or trailers-only headers), when present. */
  readonly grpcStatus?: number;
  /** The proxy error code, when the exchange failed without a response. */
  readonly error?: string;
}

export function classifyResponse(
  status: number,
  headers: HeaderList,
  trailers: HeaderList | undefined,
): Outcome {
  const grpc = trailers?.get('grpc-status') ?? headers.get('grpc-status');
  const grpcStatus = grpc === undefined ? undefined : Number(grpc);
  const failed = status >= 500 || (grpcStatus !== undefined && grpcStatus !== 0);
  return {
    classification: failed ? 'failure' : 'success',
    status,
    ...(grpcStatus === undefined ? {} : { grpcStatus }),
  };
}

export function classifyError(code: string): Outcome {
  return { classification: 'failure', error: code };
}
