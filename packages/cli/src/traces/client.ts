/**
 * Reading the control plane's embedded trace receiver (`observability.tracing.receiverPort`)
 * over its Jaeger query API, as Grafana does — over HTTP only, never through the control
 * plane's code (DESIGN §7). Each failure is an error saying what to look at.
 */
import type { FusionConfig, JaegerResponse, JaegerTrace } from '@fusion/mesh-types';

/** The receiver does not answer, or answers with something other than a Jaeger body. */
export class ReceiverError extends Error {
  override readonly name = 'ReceiverError';
}

/** The receiver answers, but holds no trace with that id. */
export class TraceNotFound extends Error {
  override readonly name = 'TraceNotFound';
}

export interface TraceSearch {
  readonly service?: string;
  readonly limit: number;
  readonly slowest?: boolean;
  /** Only traces with a span started in the last this many ms. */
  readonly sinceMs?: number;
}

/** A search returns whole traces: give it longer than the public API's 2 s. */
const REQUEST_TIMEOUT_MS = 10_000;

/** Where this machine's receiver answers: loopback, the port fusion.yaml gives it. */
export function receiverBase(config: FusionConfig): string {
  return `http://127.0.0.1:${config.observability.tracing.receiverPort}`;
}

export async function fetchTrace(base: string, traceId: string): Promise<JaegerTrace> {
  const { status, body } = await getJaeger<JaegerTrace[]>(base, `/api/traces/${traceId}`);
  const trace = body.data?.[0];
  if (status === 404 || !trace) {
    throw new TraceNotFound(`trace ${traceId} is not held by the trace receiver at ${base}`);
  }
  return trace;
}

export async function searchTraces(base: string, search: TraceSearch): Promise<JaegerTrace[]> {
  const params = new URLSearchParams({ limit: String(search.limit) });
  if (search.service !== undefined) params.set('service', search.service);
  if (search.slowest) params.set('sort', 'slowest');
  if (search.sinceMs !== undefined) params.set('lookback', `${search.sinceMs}ms`);
  const { status, body } = await getJaeger<JaegerTrace[]>(base, `/api/traces?${params}`);
  if (status === 404) {
    // Only a search path that is not there answers 404: something else holds the port.
    throw new ReceiverError(
      `${base} answers, but not as the trace receiver (GET /api/traces: 404)`,
    );
  }
  return body.data ?? [];
}

async function getJaeger<T>(
  base: string,
  path: string,
): Promise<{ status: number; body: JaegerResponse<T> }> {
  const url = `${base}${path}`;
  let response: Response;
  try {
    response = await fetch(url, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message;
    throw new ReceiverError(`the trace receiver at ${base} does not answer (${cause})`);
  }
  const text = await response.text();
  let body: JaegerResponse<T>;
  try {
    body = JSON.parse(text) as JaegerResponse<T>;
  } catch {
    throw new ReceiverError(`GET ${url} answered ${response.status} with a body that is not JSON`);
  }
  if (response.status !== 200 && response.status !== 404) {
    const reason = body.errors?.[0]?.msg ?? text.slice(0, 200);
    throw new ReceiverError(`GET ${url} answered ${response.status}: ${reason}`);
  }
  return { status: response.status, body };
}
