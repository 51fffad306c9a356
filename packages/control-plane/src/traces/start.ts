/**
 * The trace receiver component: a bounded store and the server in front of it, on
 * FUSION_TRACE_RECEIVER_ADDR (`observability.tracing.receiverPort`, 4318). It depends on no other
 * component and none on it: exporters that find it down drop their batches and count them.
 */
import type { AddressInfo } from 'node:net';
import type { Logger, Registry } from '@fusion/telemetry';
import type { Component } from '../component.ts';
import { registerTraceReceiverMetrics } from './metrics.ts';
import { createTraceReceiverServer } from './receiver.ts';
import { TraceStore, type TraceStoreLimits } from './store.ts';

export interface TraceReceiverOptions extends TraceStoreLimits {
  readonly host: string;
  /** 0 picks a free port; `address` says which. */
  readonly port: number;
  readonly logger: Logger;
  /** Where its metrics go; none when absent (tests). */
  readonly registry?: Registry;
  /** Largest export request taken, bytes (default 8 MiB). */
  readonly maxBodyBytes?: number;
  /** Milliseconds since the epoch, for `lookback`; Date.now by default. */
  readonly now?: () => number;
}

export interface TraceReceiverComponent extends Component {
  readonly name: 'trace-receiver';
  readonly address: AddressInfo;
  readonly store: TraceStore;
}

export async function startTraceReceiver(
  options: TraceReceiverOptions,
): Promise<TraceReceiverComponent> {
  const { maxTraces, maxBytes, maxSpansPerTrace } = options;
  const store = new TraceStore(
    {
      ...(maxTraces !== undefined && { maxTraces }),
      ...(maxBytes !== undefined && { maxBytes }),
      ...(maxSpansPerTrace !== undefined && { maxSpansPerTrace }),
    },
    options.now,
  );
  const metrics = options.registry && registerTraceReceiverMetrics(options.registry, store);
  const server = createTraceReceiverServer({
    store,
    logger: options.logger,
    ...(options.maxBodyBytes !== undefined && { maxBodyBytes: options.maxBodyBytes }),
    ...(metrics !== undefined && { metrics }),
  });
  const address = await server.listen(options.host, options.port);
  options.logger.info(
    {
      address: `${address.address}:${address.port}`,
      max_traces: store.limits.maxTraces,
      max_bytes: store.limits.maxBytes,
    },
    'trace receiver listening',
  );
  return {
    name: 'trace-receiver',
    address,
    store,
    ready: () =>
      server.address()
        ? { ready: true }
        : { ready: false, reason: 'the trace receiver is not listening' },
    close: () => server.close(),
  };
}
