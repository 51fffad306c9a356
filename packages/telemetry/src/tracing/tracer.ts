/**
 * Spans, kept lean for the sidecar's hot path: a span is a small object with its ids, times
 * and a few attributes; an unsampled one records nothing but still carries the context on.
 * Sampling is parent-based (the caller's decision is honoured) with a ratio for new traces,
 * decided from the trace id so that every process would decide a root the same way.
 */
import { newSpanId, newTraceId, type SpanContext } from './context.ts';

export type SpanKind = 'internal' | 'server' | 'client';
export type AttributeValue = string | number | boolean;

/** A finished span, as exporters and the trace receiver see it. */
export interface SpanRecord {
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId?: string;
  readonly name: string;
  readonly kind: SpanKind;
  /** Milliseconds since the epoch, with sub-millisecond precision. */
  readonly startMs: number;
  readonly endMs: number;
  readonly attributes: Readonly<Record<string, AttributeValue>>;
  /** `error` with a message when the operation failed. */
  readonly error?: string;
}

/** Where finished, sampled spans go (exporter.ts); it must never block or throw. */
export interface SpanSink {
  add(span: SpanRecord): void;
}

export interface Span {
  /** The context children take as their parent (and what is sent on the wire). */
  readonly context: SpanContext;
  readonly recording: boolean;
  setAttribute(key: string, value: AttributeValue): void;
  /** Ends it; `error` marks it failed. A second call does nothing. */
  end(error?: string): void;
}

export interface TracerOptions {
  /** Share (0–1) of new traces sampled; a caller's decision always wins. */
  readonly sampling: number;
  readonly sink: SpanSink;
  /** Milliseconds since the epoch; tests pass their own. */
  readonly now?: () => number;
}

const epochMs = () => performance.timeOrigin + performance.now();

export class Tracer {
  /** The share of new traces kept: 0 means this tracer starts none. */
  get sampling(): number {
    return this.#sampling;
  }

  readonly #sampling: number;
  readonly #sink: SpanSink;
  readonly #now: () => number;

  constructor(options: TracerOptions) {
    this.#sampling = Math.min(1, Math.max(0, options.sampling));
    this.#sink = options.sink;
    this.#now = options.now ?? epochMs;
  }

  /** A span under `parent` (the caller's context, or undefined to start a trace). */
  startSpan(
    name: string,
    kind: SpanKind,
    parent: SpanContext | undefined,
    attributes: Record<string, AttributeValue> = {},
  ): Span {
    const traceId = parent?.traceId ?? newTraceId();
    const sampled = parent ? parent.sampled : sampledRoot(traceId, this.#sampling);
    const context: SpanContext = {
      traceId,
      spanId: newSpanId(),
      sampled,
      ...(parent?.traceState !== undefined && { traceState: parent.traceState }),
    };
    if (!sampled) return new NonRecordingSpan(context);
    return new RecordingSpan(
      name,
      kind,
      context,
      parent?.spanId,
      attributes,
      this.#sink,
      this.#now,
    );
  }
}

/** Whether a new trace is kept: its id's first 56 bits below the ratio (W3C's random bits). */
export function sampledRoot(traceId: string, ratio: number): boolean {
  if (ratio >= 1) return true;
  if (ratio <= 0) return false;
  return Number.parseInt(traceId.slice(0, 14), 16) / 2 ** 56 < ratio;
}

class NonRecordingSpan implements Span {
  readonly recording = false;
  constructor(readonly context: SpanContext) {}
  setAttribute(): void {}
  end(): void {}
}

class RecordingSpan implements Span {
  readonly recording = true;
  readonly #startMs: number;
  #attributes: Record<string, AttributeValue>;
  #ended = false;

  constructor(
    readonly name: string,
    readonly kind: SpanKind,
    readonly context: SpanContext,
    readonly parentSpanId: string | undefined,
    attributes: Record<string, AttributeValue>,
    readonly sink: SpanSink,
    readonly now: () => number,
  ) {
    this.#startMs = now();
    this.#attributes = attributes;
  }

  setAttribute(key: string, value: AttributeValue): void {
    this.#attributes[key] = value;
  }

  end(error?: string): void {
    if (this.#ended) return;
    this.#ended = true;
    this.sink.add({
      traceId: this.context.traceId,
      spanId: this.context.spanId,
      ...(this.parentSpanId !== undefined && { parentSpanId: this.parentSpanId }),
      name: this.name,
      kind: this.kind,
      startMs: this.#startMs,
      endMs: this.now(),
      attributes: this.#attributes,
      ...(error !== undefined && { error }),
    });
  }
}
