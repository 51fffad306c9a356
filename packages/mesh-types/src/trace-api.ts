/**
 * The control plane's embedded trace receiver (`observability.tracing.receiverPort`, 4318): it
 * takes OTLP/JSON on `/v1/traces` and answers Jaeger's HTTP query API — the one Jaeger's own UI
 * and Grafana's Jaeger data source read — so those tools work against it unchanged, and the CLI
 * reads the very same bodies. Times are integer microseconds since the epoch, as Jaeger's are.
 */

/** Where OTLP/HTTP exporters send spans (`<endpoint>/v1/traces`). */
export const OTLP_TRACES_PATH = '/v1/traces';

/** The receiver's read paths, with `{service}` and `{traceID}` where a segment is a name. */
export const TRACE_QUERY_PATHS = [
  '/api/services',
  '/api/services/{service}/operations',
  '/api/operations',
  '/api/traces',
  '/api/traces/{traceID}',
] as const;

export type JaegerTagType = 'string' | 'bool' | 'int64' | 'float64';

export interface JaegerTag {
  readonly key: string;
  readonly type: JaegerTagType;
  readonly value: string | boolean | number;
}

export interface JaegerReference {
  readonly refType: 'CHILD_OF' | 'FOLLOWS_FROM';
  readonly traceID: string;
  readonly spanID: string;
}

export interface JaegerLog {
  readonly timestamp: number;
  readonly fields: readonly JaegerTag[];
}

export interface JaegerSpan {
  readonly traceID: string;
  readonly spanID: string;
  /** 1: sampled (the receiver only ever holds sampled spans). */
  readonly flags: number;
  readonly operationName: string;
  readonly references: readonly JaegerReference[];
  /** Microseconds since the epoch. */
  readonly startTime: number;
  /** Microseconds. */
  readonly duration: number;
  readonly tags: readonly JaegerTag[];
  readonly logs: readonly JaegerLog[];
  /** A key of the trace's `processes`. */
  readonly processID: string;
  readonly warnings: readonly string[] | null;
}

export interface JaegerProcess {
  readonly serviceName: string;
  readonly tags: readonly JaegerTag[];
}

export interface JaegerTrace {
  readonly traceID: string;
  readonly spans: readonly JaegerSpan[];
  readonly processes: Readonly<Record<string, JaegerProcess>>;
  readonly warnings: readonly string[] | null;
}

export interface JaegerError {
  /** The HTTP status it came with. */
  readonly code: number;
  readonly msg: string;
}

/** Every body of the query API: `data`, and `errors` (null when there are none). */
export interface JaegerResponse<T> {
  readonly data: T;
  readonly total: number;
  readonly limit: number;
  readonly offset: number;
  readonly errors: readonly JaegerError[] | null;
}

/** `GET /api/operations?service=S`: each name with the kind of the spans that carry it. */
export interface JaegerOperation {
  readonly name: string;
  readonly spanKind: string;
}
