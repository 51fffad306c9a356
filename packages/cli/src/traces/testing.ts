/** A Jaeger trace for the view tests: a chat request through the gateway and ai-kernel. */
import type { JaegerSpan, JaegerTrace } from '@fusion/mesh-types';

/** 14 Nov 2023 22:13:20 UTC, in microseconds. */
export const T0_US = 1_700_000_000_000_000;
export const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';

export function jaegerSpan(
  id: string,
  fields: {
    process: string;
    name: string;
    startMs: number;
    durationMs: number;
    parent?: string;
    error?: string;
  },
): JaegerSpan {
  return {
    traceID: TRACE_ID,
    spanID: id,
    flags: 1,
    operationName: fields.name,
    references:
      fields.parent === undefined
        ? []
        : [{ refType: 'CHILD_OF', traceID: TRACE_ID, spanID: fields.parent }],
    startTime: T0_US + fields.startMs * 1000,
    duration: fields.durationMs * 1000,
    tags: [
      { key: 'span.kind', type: 'string', value: 'server' },
      ...(fields.error === undefined
        ? []
        : [
            { key: 'error', type: 'bool' as const, value: true },
            { key: 'otel.status_description', type: 'string' as const, value: fields.error },
          ]),
    ],
    logs: [],
    processID: fields.process,
    warnings: null,
  };
}

/** gateway → ai-kernel → a failed query, and the gateway rendering the answer. */
export const CHAT_TRACE: JaegerTrace = {
  traceID: TRACE_ID,
  // Out of order on purpose: the views sort by the tree, not by arrival.
  spans: [
    jaegerSpan('000000000000000d', {
      process: 'p1',
      name: 'render',
      startMs: 36,
      durationMs: 2,
      parent: '000000000000000a',
    }),
    jaegerSpan('000000000000000a', {
      process: 'p1',
      name: 'GET /api/chat',
      startMs: 0,
      durationMs: 40,
    }),
    jaegerSpan('000000000000000c', {
      process: 'p2',
      name: 'SELECT models',
      startMs: 6,
      durationMs: 4,
      parent: '000000000000000b',
      error: 'timeout after 3 s',
    }),
    jaegerSpan('000000000000000b', {
      process: 'p2',
      name: 'POST /infer',
      startMs: 5,
      durationMs: 30,
      parent: '000000000000000a',
    }),
  ],
  processes: {
    p1: { serviceName: 'gateway', tags: [] },
    p2: { serviceName: 'ai-kernel', tags: [] },
  },
  warnings: null,
};
