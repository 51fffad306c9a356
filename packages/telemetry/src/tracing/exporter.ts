/**
 * Sends finished spans to an OTLP/HTTP collector (`<endpoint>/v1/traces`, JSON) in batches,
 * off the request path: a span is pushed onto a bounded queue (a full queue drops the span and
 * counts it, it never waits), and a timer armed only while spans wait sends them. A collector
 * that is down costs failed sends, counted, never an exception in a request.
 */
import { toOtlp } from './otlp.ts';
import type { SpanRecord, SpanSink } from './tracer.ts';

export interface ExporterOptions {
  /** The collector's base URL (OTEL_EXPORTER_OTLP_ENDPOINT), e.g. http://127.0.0.1:4318. */
  readonly endpoint: string;
  /** `service.name` of the spans. */
  readonly service: string;
  readonly resource?: Readonly<Record<string, string>>;
  /** Spans held at most; past it new ones are dropped (default 2,048). */
  readonly maxQueue?: number;
  /** Spans per request at most (default 512). */
  readonly maxBatch?: number;
  /** How long a span may wait for its batch (default 1,000 ms). */
  readonly delayMs?: number;
  readonly fetch?: typeof fetch;
}

export interface ExporterStats {
  sent: number;
  dropped: number;
  failedBatches: number;
}

export class BatchExporter implements SpanSink {
  readonly stats: ExporterStats = { sent: 0, dropped: 0, failedBatches: 0 };
  readonly #options: ExporterOptions;
  readonly #url: string;
  readonly #maxQueue: number;
  readonly #maxBatch: number;
  #queue: SpanRecord[] = [];
  #timer: NodeJS.Timeout | undefined;
  #inFlight = new Set<Promise<void>>();

  constructor(options: ExporterOptions) {
    this.#options = options;
    this.#url = `${options.endpoint.replace(/\/+$/, '')}/v1/traces`;
    this.#maxQueue = options.maxQueue ?? 2048;
    this.#maxBatch = options.maxBatch ?? 512;
  }

  add(span: SpanRecord): void {
    if (this.#queue.length >= this.#maxQueue) {
      this.stats.dropped += 1;
      return;
    }
    this.#queue.push(span);
    if (this.#queue.length >= this.#maxBatch) this.#send();
    else if (this.#timer === undefined) {
      this.#timer = setTimeout(() => this.#send(), this.#options.delayMs ?? 1000);
      this.#timer.unref();
    }
  }

  /** Sends what waits and resolves once every send has settled (at shutdown, in tests). */
  async flush(): Promise<void> {
    while (this.#queue.length > 0) this.#send();
    await Promise.all(this.#inFlight);
  }

  #send(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const batch = this.#queue.splice(0, this.#maxBatch);
    if (batch.length === 0) return;
    if (this.#queue.length > 0) {
      this.#timer = setTimeout(() => this.#send(), 0);
      this.#timer.unref();
    }
    const body = JSON.stringify(toOtlp(this.#options.service, batch, this.#options.resource));
    const send = (this.#options.fetch ?? fetch)(this.#url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
      signal: AbortSignal.timeout(10_000),
    })
      .then(async (response) => {
        await response.arrayBuffer();
        if (response.ok) this.stats.sent += batch.length;
        else this.stats.failedBatches += 1;
      })
      .catch(() => {
        this.stats.failedBatches += 1;
      })
      .finally(() => this.#inFlight.delete(send));
    this.#inFlight.add(send);
  }
}
