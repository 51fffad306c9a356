/**
 * How a service calls another: `mesh.fetch('identity', '/users/1')`. The caller names a service,
 * never an address, so the same code works with direct addresses (FUSION_MESH_ENDPOINTS) today and
 * through the local sidecar (FUSION_MESH_OUTBOUND, which adds mTLS, retries and balancing) later.
 */
import http from 'node:http';
import { MeshError, UnknownServiceError } from './errors.ts';
import { sendViaProxy } from './outbound.ts';

export interface MeshRequestInit extends RequestInit {
  /** Deadline for the whole exchange, body included; default 2000 ms. */
  readonly timeoutMs?: number;
}

export interface MeshClient {
  /** Calls `path` (starting with `/`) on `service`; non-2xx statuses resolve, they do not throw. */
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
    const deadline = AbortSignal.timeout(timeoutMs);
    const signal = init.signal ? AbortSignal.any([init.signal, deadline]) : deadline;
    try {
      if (proxy !== undefined && agent !== undefined) {
        if (!knownSet.has(service)) throw new UnknownServiceError(service, known);
        const request = new Request(`${proxy.origin}${path}`, { ...requestInit, signal });
        return await sendViaProxy(agent, proxy, service, request, signal);
      }
      const base = endpoints.get(service);
      if (base === undefined) throw new UnknownServiceError(service, [...endpoints.keys()].sort());
      return await fetch(`${base}${path}`, { ...requestInit, signal });
    } catch (error) {
      throw toMeshError(error, service, timeoutMs, deadline, init.signal);
    }
  }

  return {
    fetch: meshFetch,
    knownServices: known,
    close: () => agent?.destroy(),
  };
}

/** Turns what fetch or node:http threw into a MeshError that says what happened. */
function toMeshError(
  error: unknown,
  service: string,
  timeoutMs: number,
  deadline: AbortSignal,
  callerSignal: AbortSignal | null | undefined,
): unknown {
  // Our own errors, misuse (bad init) and the caller's own abort pass through unchanged.
  if (error instanceof MeshError || callerSignal?.aborted) return error;
  if (error instanceof TypeError && !isNetworkError(error)) return error;
  if (deadline.aborted) {
    return new MeshError(
      'FUSION_ERR_MESH_TIMEOUT',
      service,
      `${service}: no response within ${timeoutMs} ms`,
      { cause: error },
    );
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
