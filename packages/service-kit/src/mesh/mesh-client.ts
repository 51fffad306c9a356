/**
 * How a service calls another: `mesh.fetch('identity', '/users/1')`. The caller names a service,
 * never an address, so the same code works with direct addresses (FUSION_MESH_ENDPOINTS) today and
 * through the local sidecar (FUSION_MESH_OUTBOUND, which adds mTLS, retries and balancing) later.
 */
import http from 'node:http';
import type { Span, Tracer } from '@fusion/telemetry';
import {
  currentDeadline,
  DEADLINE_HEADER,
  parseDeadlineHeader,
  type RequestDeadline,
} from '../deadline/index.ts';
import { currentSpanContext, withTraceHeaders } from '../tracing/index.ts';
import { MeshError, UnknownServiceError } from './errors.ts';
import { sendViaProxy } from './outbound.ts';

export interface MeshRequestInit extends RequestInit {
  /**
   * Time limit for the whole exchange, body included; default 2000 ms. Inside a request that
   * carried a deadline, the deadline ends the call too if it comes first.
   */
  readonly timeoutMs?: number;
}

export interface MeshClient {
  /**
   * Calls `path` (starting with `/`) on `service`; non-2xx statuses resolve, they do not throw.
   * Inside a request with a deadline (`currentDeadline()`), sends what is left of it as
   * `fusion-timeout-ms` and gives up when it passes; past it, fails without sending. Sends the
   * trace context as `traceparent`: a client span's with a tracer, else the request's as it came.
   */
  fetch(service: string, path: string, init?: MeshRequestInit): Promise<Response>;
  /** Services this client will call, sorted. */
  readonly knownServices: readonly string[];
  /** Frees pooled connections to the outbound proxy. */
  close(): void;
}

export interface MeshClientOptions {
  /** Service name → base URL (FUSION_MESH_ENDPOINTS). */
  readonly endpoints?: Readonly<Record<string, string>>;
  /** Declared dependencies (FUSION_DEPENDENCIES); callable through the outbound proxy. */
  readonly dependencies?: readonly string[];
  /** The local outbound proxy (FUSION_MESH_OUTBOUND); when set, every call goes through it. */
  readonly outbound?: string;
  readonly defaultTimeoutMs?: number;
  /**
   * Records a client span per call, under the request's span or (outside a request) as a new
   * trace. Without one, calls inside a request pass its caller's context on unchanged.
   */
  readonly tracer?: Tracer;
}

export const DEFAULT_MESH_TIMEOUT_MS = 2000;

export function createMeshClient(options: MeshClientOptions = {}): MeshClient {
  const endpoints = new Map(
    Object.entries(options.endpoints ?? {}).map(([name, url]) => [name, url.replace(/\/+$/, '')]),
  );
  const known = [...new Set([...endpoints.keys(), ...(options.dependencies ?? [])])].sort();
  const knownSet = new Set(known);
  const defaultTimeoutMs = options.defaultTimeoutMs ?? DEFAULT_MESH_TIMEOUT_MS;
  const proxy = options.outbound === undefined ? undefined : new URL(options.outbound);
  const agent = proxy && new http.Agent({ keepAlive: true });

  async function meshFetch(
    service: string,
    path: string,
    init: MeshRequestInit = {},
  ): Promise<Response> {
    if (!path.startsWith('/')) throw new TypeError(`mesh path must start with "/": ${path}`);
    const { timeoutMs = defaultTimeoutMs, ...requestInit } = init;
    const limit = timeLimit(service, timeoutMs, currentDeadline());
    if (limit.remainingMs !== undefined) {
      requestInit.headers = withDeadlineHeader(requestInit.headers, limit.remainingMs);
    }
    const span = startCallSpan(options.tracer, service, requestInit.method, path);
    const trace = span?.context ?? currentSpanContext();
    if (trace !== undefined) requestInit.headers = withTraceHeaders(requestInit.headers, trace);
    const timer = AbortSignal.timeout(limit.ms);
    const signal = init.signal ? AbortSignal.any([init.signal, timer]) : timer;
    try {
      const response = await send(service, path, requestInit, signal);
      span?.setAttribute('http.response.status_code', response.status);
      span?.end(response.status >= 500 ? `HTTP ${response.status}` : undefined);
      return response;
    } catch (error) {
      const failure = toMeshError(error, service, limit, timer, init.signal);
      span?.end(failure instanceof Error ? failure.message : String(failure));
      throw failure;
    }
  }

  function send(
    service: string,
    path: string,
    requestInit: RequestInit,
    signal: AbortSignal,
  ): Promise<Response> {
    if (proxy !== undefined && agent !== undefined) {
      if (!knownSet.has(service)) throw new UnknownServiceError(service, known);
      const request = new Request(`${proxy.origin}${path}`, { ...requestInit, signal });
      return sendViaProxy(agent, proxy, service, request, signal);
    }
    const base = endpoints.get(service);
    if (base === undefined) throw new UnknownServiceError(service, [...endpoints.keys()].sort());
    return fetch(`${base}${path}`, { ...requestInit, signal });
  }

  return {
    fetch: meshFetch,
    knownServices: known,
    close: () => agent?.destroy(),
  };
}

/**
 * The call's client span (OTel HTTP client conventions, `peer.service` naming the callee), under
 * the request being handled or as a new trace; ended when the response head arrives.
 */
function startCallSpan(
  tracer: Tracer | undefined,
  service: string,
  method: string | undefined,
  path: string,
): Span | undefined {
  if (tracer === undefined) return undefined;
  const verb = (method ?? 'GET').toUpperCase();
  const query = path.indexOf('?');
  return tracer.startSpan(`${verb} ${service}`, 'client', currentSpanContext(), {
    'peer.service': service,
    'http.request.method': verb,
    'url.path': query === -1 ? path : path.slice(0, query),
  });
}

/** How long a call may take, and why. */
interface TimeLimit {
  readonly ms: number;
  /** What was left of the caller's deadline when the call started; undefined without one. */
  readonly remainingMs: number | undefined;
  /** Whether the deadline, not the per-call timeout, is what ends the call. */
  readonly byDeadline: boolean;
}

/**
 * The per-call timeout or what is left of the caller's deadline, whichever ends first: one
 * timer, and a record of which of the two it is. A deadline already passed fails here, before
 * anything is sent.
 */
function timeLimit(
  service: string,
  timeoutMs: number,
  deadline: RequestDeadline | undefined,
): TimeLimit {
  if (deadline === undefined) return { ms: timeoutMs, remainingMs: undefined, byDeadline: false };
  const remainingMs = deadline.remainingMs();
  if (remainingMs <= 0) {
    throw new MeshError(
      'FUSION_ERR_MESH_TIMEOUT',
      service,
      `${service}: not called, the caller's deadline had passed`,
    );
  }
  if (remainingMs >= timeoutMs) return { ms: timeoutMs, remainingMs, byDeadline: false };
  return { ms: Math.ceil(remainingMs), remainingMs, byDeadline: true };
}

/** The caller's headers with the budget left, unless the caller already sent a smaller one. */
function withDeadlineHeader(headers: RequestInit['headers'], remainingMs: number): Headers {
  const result = new Headers(headers);
  const left = Math.floor(remainingMs);
  const own = result.get(DEADLINE_HEADER);
  const ownBudget = own === null ? undefined : parseDeadlineHeader(own);
  if (ownBudget === undefined || ownBudget > left) result.set(DEADLINE_HEADER, String(left));
  return result;
}

/** Turns what fetch or node:http threw into a MeshError that says what happened. */
function toMeshError(
  error: unknown,
  service: string,
  limit: TimeLimit,
  timer: AbortSignal,
  callerSignal: AbortSignal | null | undefined,
): unknown {
  // Our own errors, misuse (bad init) and the caller's own abort pass through unchanged.
  if (error instanceof MeshError || callerSignal?.aborted) return error;
  if (error instanceof TypeError && !isNetworkError(error)) return error;
  if (timer.aborted) {
    const message = limit.byDeadline
      ? `${service}: no response before the caller's deadline (${Math.floor(limit.remainingMs!)} ms were left)`
      : `${service}: no response within ${limit.ms} ms`;
    return new MeshError('FUSION_ERR_MESH_TIMEOUT', service, message, { cause: error });
  }
  const cause = (error as Error).cause as { code?: string; message?: string } | undefined;
  const reason = cause?.code ?? (error as { code?: string }).code ?? (error as Error).message;
  return new MeshError(
    'FUSION_ERR_MESH_UNREACHABLE',
    service,
    `${service}: unreachable (${reason})`,
    {
      cause: error,
    },
  );
}

/** fetch reports connection failures as a TypeError("fetch failed") with the cause attached. */
function isNetworkError(error: TypeError): boolean {
  return error.message === 'fetch failed';
}
