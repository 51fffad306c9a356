/**
 * One tracer per process, from the environment: spans go to OTEL_EXPORTER_OTLP_ENDPOINT in
 * batches, or nowhere. Without an endpoint there is no tracer at all, so a request costs a header
 * read and the caller's context is passed on unchanged: an app that exports nothing does not
 * break the trace its sidecars record.
 */
import { BatchExporter, type SpanSink, Tracer } from '@fusion/telemetry';

export interface TracingOptions {
  /** `service.name` of the spans. */
  readonly service: string;
  /** OTEL_EXPORTER_OTLP_ENDPOINT; undefined: no export. */
  readonly endpoint: string | undefined;
  /** FUSION_TRACE_SAMPLING: share of new traces kept; a caller's decision always wins. */
  readonly sampling: number;
  /** Where spans go instead of the exporter (tests); enables tracing without an endpoint. */
  readonly sink?: SpanSink;
}

export interface Tracing {
  /** Undefined when spans go nowhere: nothing is recorded, contexts pass through. */
  readonly tracer: Tracer | undefined;
  /** Sends the spans still waiting; at shutdown, so the last requests' spans are not lost. */
  flush(): Promise<void>;
}

/**
 * How long the last send may hold up shutdown. A collector that is down refuses at once; one
 * that does not answer must not use up the drain timeout (FUSION_SHUTDOWN_TIMEOUT_MS) and turn a
 * clean stop into exit 1: past this, the waiting spans are given up.
 */
export const FLUSH_LIMIT_MS = 2_000;

export function openTracing(options: TracingOptions): Tracing {
  const exporter =
    options.sink === undefined && options.endpoint !== undefined
      ? new BatchExporter({ endpoint: options.endpoint, service: options.service })
      : undefined;
  const sink = options.sink ?? exporter;
  return {
    tracer: sink && new Tracer({ sampling: options.sampling, sink }),
    flush: () => (exporter ? withinLimit(exporter.flush(), FLUSH_LIMIT_MS) : Promise.resolve()),
  };
}

function withinLimit(work: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
    timer.unref();
  });
  return Promise.race([work, limit]).finally(() => clearTimeout(timer));
}
