/**
 * The embedded trace receiver's HTTP server (plain HTTP/1.1, meant for loopback): exporters
 * POST OTLP/JSON to `/v1/traces`, and Jaeger's query API reads what is held — `/api/services`,
 * `/api/services/{service}/operations`, `/api/operations`, `/api/traces` (search) and
 * `/api/traces/{id}` — so Grafana's Jaeger data source, the dashboard and `fusion trace` need
 * nothing else. Everything but the POST is read-only. Export errors answer as OTLP says (a
 * `google.rpc.Status` in JSON); query errors as Jaeger does (`errors: [{code, msg}]`).
 */
import http from 'node:http';
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import { OTLP_TRACES_PATH, TRACE_QUERY_PATHS } from '@fusion/mesh-types';
import { fromOtlp, type Logger } from '@fusion/telemetry';
import { readBody } from '../http-json.ts';
import { type HttpListener, httpListener } from '../listen.ts';
import { jaegerData, jaegerError, toJaegerTrace } from './jaeger.ts';
import type { RefusalReason, TraceReceiverMetrics } from './metrics.ts';
import { normaliseTraceId, parseTraceQuery, QueryError } from './query.ts';
import type { TraceStore } from './store.ts';

/** OTLP/HTTP's default body cap in collectors is larger; 8 MiB holds thousands of spans. */
export const DEFAULT_MAX_BODY_BYTES = 8 * 1024 * 1024;
/** google.rpc.Code INVALID_ARGUMENT: the request will fail the same way if retried. */
const INVALID_ARGUMENT = 3;

const gunzipAsync = promisify(gunzip);

export interface TraceReceiverServerOptions {
  readonly store: TraceStore;
  readonly logger: Logger;
  /** Largest request body taken, bytes, before and after gunzip (default 8 MiB): past it, 413. */
  readonly maxBodyBytes?: number;
  readonly metrics?: TraceReceiverMetrics;
}

export type TraceReceiverServer = HttpListener;

/** A query route's answer: the status and the Jaeger-shaped body. */
interface Answer {
  readonly status: number;
  readonly body: unknown;
}

class Refusal extends Error {
  constructor(
    readonly status: 400 | 413 | 415,
    readonly reason: RefusalReason,
    message: string,
  ) {
    super(message);
  }
}

const SERVICE_OPERATIONS = /^\/api\/services\/([^/]+)\/operations$/;
const ONE_TRACE = /^\/api\/traces\/([^/]+)$/;

export function createTraceReceiverServer(
  options: TraceReceiverServerOptions,
): TraceReceiverServer {
  const { store, logger } = options;
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;

  async function receive(req: http.IncomingMessage): Promise<Answer> {
    const body = await readPayload(req, maxBodyBytes);
    let spans: ReturnType<typeof fromOtlp>;
    try {
      spans = fromOtlp(JSON.parse(body.toString('utf8')));
    } catch (error) {
      const detail =
        error instanceof SyntaxError
          ? `the body is not JSON: ${error.message}`
          : (error as Error).message;
      throw new Refusal(400, 'bad-request', detail);
    }
    const { dropped } = store.add(spans);
    // OTLP's partial success: the request is done (no retry), and says how much was not kept.
    const partialSuccess =
      dropped === 0
        ? {}
        : {
            rejectedSpans: dropped,
            errorMessage: `${dropped} spans not kept: sent before, or past the ${store.limits.maxSpansPerTrace} kept per trace`,
          };
    return { status: 200, body: { partialSuccess } };
  }

  function query(path: string, params: URLSearchParams): Answer | undefined {
    if (path === '/api/services') return found(store.services());
    if (path === '/api/operations') {
      const service = params.get('service');
      if (!service) return { status: 400, body: jaegerError(400, 'service: required') };
      const kind = params.get('spanKind') || undefined;
      const operations = store
        .operations(service)
        .filter((o) => kind === undefined || o.kind === kind)
        .map((o) => ({ name: o.name, spanKind: o.kind }));
      return found(operations);
    }
    if (path === '/api/traces') {
      const ids = params.getAll('traceID');
      if (ids.length > 0) return found(ids.flatMap((id) => traceById(id) ?? []));
      const traces = store.find(parseTraceQuery(params, store.limits.maxTraces));
      return found(traces.map(toJaegerTrace));
    }
    const operations = SERVICE_OPERATIONS.exec(path);
    if (operations) {
      const service = decode(operations[1]!);
      if (service === undefined) return undefined;
      return found([...new Set(store.operations(service).map((o) => o.name))]);
    }
    const one = ONE_TRACE.exec(path);
    if (one) {
      const id = decode(one[1]!);
      if (id === undefined) return undefined;
      if (normaliseTraceId(id) === undefined) {
        const message = `trace id: expected up to 32 hex digits, got ${JSON.stringify(id)}`;
        return { status: 400, body: jaegerError(400, message) };
      }
      const trace = traceById(id);
      return trace ? found([trace]) : { status: 404, body: jaegerError(404, 'trace not found') };
    }
    return undefined;
  }

  function traceById(id: string) {
    const traceId = normaliseTraceId(id);
    const trace = traceId === undefined ? undefined : store.trace(traceId);
    return trace && toJaegerTrace(trace);
  }

  const server = http.createServer((req, res) => {
    const url = req.url ?? '/';
    const mark = url.indexOf('?');
    const path = (mark < 0 ? url : url.slice(0, mark)).replace(/\/+$/, '') || '/';
    const search = mark < 0 ? '' : url.slice(mark + 1);
    if (path === OTLP_TRACES_PATH) {
      if (req.method !== 'POST') {
        res.setHeader('allow', 'POST');
        return send(res, 405, status(`${req.method} not allowed; exporters POST spans here`));
      }
      return void receive(req).then(
        (answer) => send(res, answer.status, answer.body),
        (error: unknown) => {
          if (!(error instanceof Refusal)) {
            // The client went away mid-body: nobody is left to answer.
            logger.debug({ err: error }, 'trace export request failed');
            return void res.destroy();
          }
          options.metrics?.refused(error.reason);
          logger.debug({ status: error.status, reason: error.message }, 'trace export refused');
          send(res, error.status, status(error.message));
        },
      );
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('allow', 'GET, HEAD');
      const message = `${req.method} not allowed; only POST ${OTLP_TRACES_PATH} changes anything`;
      return send(res, 405, jaegerError(405, message));
    }
    let answer: Answer | undefined;
    try {
      answer = query(path, new URLSearchParams(search));
    } catch (error) {
      if (error instanceof QueryError) {
        return send(res, 400, jaegerError(400, error.message), req.method === 'HEAD');
      }
      logger.error({ err: error, path }, 'trace query failed');
      return send(res, 500, jaegerError(500, (error as Error).message));
    }
    if (!answer) {
      const paths = [`POST ${OTLP_TRACES_PATH}`, ...TRACE_QUERY_PATHS].join(', ');
      return send(res, 404, jaegerError(404, `no such path: ${path}; served here: ${paths}`));
    }
    send(res, answer.status, answer.body, req.method === 'HEAD');
  });

  return httpListener(server);
}

/** The request body, checked for type and encoding and gunzipped, at most `maxBytes`. */
async function readPayload(req: http.IncomingMessage, maxBytes: number): Promise<Buffer> {
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type === 'application/x-protobuf') {
    throw new Refusal(
      415,
      'unsupported-media-type',
      'only OTLP/JSON is accepted here: export with content-type application/json (OTEL_EXPORTER_OTLP_PROTOCOL=http/json), not protobuf',
    );
  }
  if (type !== 'application/json') {
    throw new Refusal(
      415,
      'unsupported-media-type',
      `content-type ${JSON.stringify(type)} is not accepted: send OTLP/JSON as application/json`,
    );
  }
  const encoding = (req.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
  if (encoding !== 'identity' && encoding !== 'gzip') {
    throw new Refusal(
      415,
      'unsupported-media-type',
      `content-encoding ${JSON.stringify(encoding)} is not accepted: send gzip or none`,
    );
  }
  const tooLarge = () =>
    new Refusal(413, 'too-large', `the body is larger than the ${maxBytes} bytes taken here`);
  const raw = await readBody(req, maxBytes, tooLarge);
  if (encoding === 'identity') return raw;
  try {
    return await gunzipAsync(raw, { maxOutputLength: maxBytes });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') throw tooLarge();
    throw new Refusal(
      400,
      'bad-request',
      `the body is not valid gzip: ${(error as Error).message}`,
    );
  }
}

function decode(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

function found(data: unknown[]): Answer {
  return { status: 200, body: jaegerData(data) };
}

/** OTLP's error body: a google.rpc.Status. */
function status(message: string) {
  return { code: INVALID_ARGUMENT, message };
}

function send(res: http.ServerResponse, code: number, body: unknown, headOnly = false): void {
  const text = JSON.stringify(body);
  res.writeHead(code, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    // Traces come and go with every export: an answer is about now.
    'cache-control': 'no-store',
  });
  res.end(headOnly ? undefined : text);
}
