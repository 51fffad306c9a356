/**
 * What the trace receiver reports about itself. The store's figures are read from it at scrape
 * time (nothing is counted twice on the request path); refused requests are counted as they
 * happen, since a refused export is otherwise invisible: the exporter's process logs nothing.
 */
import type { Registry } from '@fusion/telemetry';
import { DROP_REASONS, type TraceStore } from './store.ts';

export type RefusalReason = 'bad-request' | 'too-large' | 'unsupported-media-type';
const REFUSAL_REASONS: readonly RefusalReason[] = [
  'bad-request',
  'too-large',
  'unsupported-media-type',
];

export interface TraceReceiverMetrics {
  refused(reason: RefusalReason): void;
}

export function registerTraceReceiverMetrics(
  registry: Registry,
  store: Pick<TraceStore, 'stats'>,
): TraceReceiverMetrics {
  registry.counter({
    name: 'trace_receiver_spans_total',
    help: 'Spans received in accepted OTLP requests, kept or not.',
    collect: (counter) => counter.inc(store.stats().received - counter.get()),
  });
  registry.counter({
    name: 'trace_receiver_dropped_spans_total',
    help: 'Spans received but not kept, by reason: trace-full (past the spans kept per trace) or duplicate (sent again).',
    labelNames: ['reason'],
    collect: (counter) => {
      const { dropped } = store.stats();
      for (const reason of DROP_REASONS) {
        const child = counter.labels(reason);
        child.inc(dropped[reason] - child.get());
      }
    },
  });
  registry.counter({
    name: 'trace_receiver_evicted_traces_total',
    help: 'Traces pushed out, oldest first, to stay within the traces or bytes held.',
    collect: (counter) => counter.inc(store.stats().evictedTraces - counter.get()),
  });
  registry.gauge({
    name: 'trace_receiver_traces',
    help: 'Traces held in memory.',
    collect: (gauge) => gauge.set(store.stats().traces),
  });
  registry.gauge({
    name: 'trace_receiver_bytes',
    help: 'Approximate size of the spans held: the sum of their JSON lengths.',
    collect: (gauge) => gauge.set(store.stats().bytes),
  });
  const refused = registry.counter({
    name: 'trace_receiver_requests_refused_total',
    help: 'OTLP export requests refused, by reason: bad-request, too-large or unsupported-media-type.',
    labelNames: ['reason'],
  });
  for (const reason of REFUSAL_REASONS) refused.labels(reason);
  return { refused: (reason) => refused.labels(reason).inc() };
}
