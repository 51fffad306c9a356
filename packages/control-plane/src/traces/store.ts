/**
 * The embedded receiver's memory: the most recent traces, spans grouped by trace id. It is a
 * debugging aid, not a trace backend, so it is bounded three ways — traces held, approximate
 * bytes held, spans per trace — and what falls outside is counted, never an error: the oldest
 * trace (by its last span's arrival) goes first, because a trace still receiving spans is the
 * one somebody is about to look at.
 */
import type { ReceivedSpan } from '@fusion/telemetry';

export interface TraceStoreLimits {
  /** Traces held at most (default 1,000). */
  readonly maxTraces?: number;
  /** Approximate bytes held at most: the sum of the spans' JSON lengths (default 32 MiB). */
  readonly maxBytes?: number;
  /** Spans kept per trace (default 1,000); later ones are dropped and counted. */
  readonly maxSpansPerTrace?: number;
}

export const DEFAULT_TRACE_LIMITS: Required<TraceStoreLimits> = {
  maxTraces: 1_000,
  maxBytes: 32 * 1024 * 1024,
  maxSpansPerTrace: 1_000,
};

/** Why a span was not kept. */
export type DropReason = 'trace-full' | 'duplicate';
export const DROP_REASONS: readonly DropReason[] = ['trace-full', 'duplicate'];

/** One trace as held: its spans in arrival order, and its extent. */
export interface StoredTrace {
  readonly traceId: string;
  readonly spans: readonly ReceivedSpan[];
  /** Earliest span start and latest span end, ms since the epoch. */
  readonly startMs: number;
  readonly endMs: number;
  /** Spans of this trace dropped because it was full. */
  readonly droppedSpans: number;
}

export interface TraceQuery {
  /** Traces with a span matching all of the span criteria below (Jaeger's rule). */
  readonly service?: string;
  readonly operation?: string;
  /** The span started within the last this many ms. */
  readonly lookbackMs?: number;
  /** The span started at or after / at or before (ms since the epoch). */
  readonly startMinMs?: number;
  readonly startMaxMs?: number;
  readonly minDurationMs?: number;
  readonly maxDurationMs?: number;
  /** Attribute values, compared as text; `span.kind` and `error` match too. */
  readonly tags?: Readonly<Record<string, string>>;
  /** At most this many traces. */
  readonly limit: number;
  /** `newest` (default): latest start first; `slowest`: longest first. */
  readonly order?: 'newest' | 'slowest';
}

export interface TraceStoreStats {
  readonly traces: number;
  readonly spans: number;
  readonly bytes: number;
  /** Spans handed to add() since start, kept or not. */
  readonly received: number;
  readonly dropped: Readonly<Record<DropReason, number>>;
  /** Whole traces pushed out by a bound. */
  readonly evictedTraces: number;
}

export interface AddResult {
  readonly kept: number;
  readonly dropped: number;
}

interface Held {
  readonly traceId: string;
  readonly spans: ReceivedSpan[];
  readonly spanIds: Set<string>;
  readonly services: Set<string>;
  bytes: number;
  startMs: number;
  endMs: number;
  droppedSpans: number;
}

export class TraceStore {
  readonly limits: Required<TraceStoreLimits>;
  /** Oldest arrival first: a trace that receives a span moves to the end (Map keeps order). */
  readonly #traces = new Map<string, Held>();
  readonly #now: () => number;
  #spans = 0;
  #bytes = 0;
  #received = 0;
  #evicted = 0;
  readonly #dropped: Record<DropReason, number> = { 'trace-full': 0, duplicate: 0 };

  constructor(limits: TraceStoreLimits = {}, now: () => number = Date.now) {
    this.limits = { ...DEFAULT_TRACE_LIMITS, ...limits };
    for (const [name, value] of Object.entries(this.limits)) {
      if (!Number.isInteger(value) || value < 1) {
        throw new RangeError(`trace store ${name} must be a whole number >= 1, got ${value}`);
      }
    }
    this.#now = now;
  }

  add(spans: readonly ReceivedSpan[]): AddResult {
    let kept = 0;
    for (const span of spans) {
      this.#received += 1;
      const held = this.#touch(span.traceId);
      // Exporters retry a batch they think failed; the copy adds nothing.
      if (held.spanIds.has(span.spanId)) {
        this.#dropped.duplicate += 1;
        continue;
      }
      if (held.spans.length >= this.limits.maxSpansPerTrace) {
        this.#dropped['trace-full'] += 1;
        held.droppedSpans += 1;
        continue;
      }
      const bytes = JSON.stringify(span).length;
      held.spans.push(span);
      held.spanIds.add(span.spanId);
      held.services.add(span.service);
      held.bytes += bytes;
      held.startMs = Math.min(held.startMs, span.startMs);
      held.endMs = Math.max(held.endMs, span.endMs);
      this.#spans += 1;
      this.#bytes += bytes;
      kept += 1;
    }
    this.#evict();
    return { kept, dropped: spans.length - kept };
  }

  /** Every service that sent a span still held, sorted. */
  services(): string[] {
    const names = new Set<string>();
    for (const held of this.#traces.values()) for (const name of held.services) names.add(name);
    return [...names].sort();
  }

  /** The span names `service` used, sorted, each with the kinds of its spans. */
  operations(service: string): { name: string; kind: ReceivedSpan['kind'] }[] {
    const seen = new Map<string, { name: string; kind: ReceivedSpan['kind'] }>();
    for (const held of this.#traces.values()) {
      if (!held.services.has(service)) continue;
      for (const span of held.spans) {
        if (span.service === service) seen.set(`${span.name}\u0000${span.kind}`, span);
      }
    }
    return [...seen.values()]
      .map(({ name, kind }) => ({ name, kind }))
      .sort((a, b) => a.name.localeCompare(b.name) || a.kind.localeCompare(b.kind));
  }

  trace(traceId: string): StoredTrace | undefined {
    const held = this.#traces.get(traceId);
    return held && view(held);
  }

  find(query: TraceQuery): StoredTrace[] {
    const lookbackStart =
      query.lookbackMs === undefined ? -Infinity : this.#now() - query.lookbackMs;
    const startMin = Math.max(query.startMinMs ?? -Infinity, lookbackStart);
    const matches = (span: ReceivedSpan) => spanMatches(span, query, startMin);
    const found: Held[] = [];
    for (const held of this.#traces.values()) {
      if (query.service !== undefined && !held.services.has(query.service)) continue;
      if (held.spans.some(matches)) found.push(held);
    }
    const duration = (held: Held) => held.endMs - held.startMs;
    found.sort(
      query.order === 'slowest'
        ? (a, b) => duration(b) - duration(a) || b.startMs - a.startMs
        : (a, b) => b.startMs - a.startMs,
    );
    return found.slice(0, query.limit).map(view);
  }

  stats(): TraceStoreStats {
    return {
      traces: this.#traces.size,
      spans: this.#spans,
      bytes: this.#bytes,
      received: this.#received,
      dropped: { ...this.#dropped },
      evictedTraces: this.#evicted,
    };
  }

  /** The trace's entry, created if new, moved to the newest end. */
  #touch(traceId: string): Held {
    let held = this.#traces.get(traceId);
    if (held) this.#traces.delete(traceId);
    else {
      held = {
        traceId,
        spans: [],
        spanIds: new Set(),
        services: new Set(),
        bytes: 0,
        startMs: Infinity,
        endMs: -Infinity,
        droppedSpans: 0,
      };
    }
    this.#traces.set(traceId, held);
    return held;
  }

  #evict(): void {
    // Oldest first; deleting the entry being visited is safe while iterating a Map.
    for (const held of this.#traces.values()) {
      if (this.#traces.size <= this.limits.maxTraces && this.#bytes <= this.limits.maxBytes) break;
      this.#traces.delete(held.traceId);
      this.#spans -= held.spans.length;
      this.#bytes -= held.bytes;
      this.#evicted += 1;
    }
  }
}

function spanMatches(span: ReceivedSpan, query: TraceQuery, startMinMs: number): boolean {
  if (query.service !== undefined && span.service !== query.service) return false;
  if (query.operation !== undefined && span.name !== query.operation) return false;
  if (span.startMs < startMinMs) return false;
  if (query.startMaxMs !== undefined && span.startMs > query.startMaxMs) return false;
  const duration = span.endMs - span.startMs;
  if (query.minDurationMs !== undefined && duration < query.minDurationMs) return false;
  if (query.maxDurationMs !== undefined && duration > query.maxDurationMs) return false;
  for (const [key, wanted] of Object.entries(query.tags ?? {})) {
    if (tagText(span, key) !== wanted) return false;
  }
  return true;
}

/** A span's value for a tag query, as text, the way Jaeger compares them. */
function tagText(span: ReceivedSpan, key: string): string | undefined {
  if (key === 'span.kind') return span.kind;
  if (key === 'error') return span.error === undefined ? undefined : 'true';
  const value = span.attributes[key];
  return value === undefined ? undefined : String(value);
}

function view(held: Held): StoredTrace {
  return {
    traceId: held.traceId,
    spans: held.spans,
    startMs: held.startMs,
    endMs: held.endMs,
    droppedSpans: held.droppedSpans,
  };
}
