/**
 * Linkerd's request metrics, with Linkerd's names, labels and buckets, so its dashboards and
 * habits carry over: `request_total` when a request begins, `response_latency_ms` at the first
 * byte of the response, `response_total` when the response stream ends — classified by the one
 * classifier, with `status_code`, `grpc_status` and, for proxy-made failures, `error`.
 */
import type { Registry } from '@fusion/telemetry';
import type { HttpHandler, ProxyRequest } from '../http/message.ts';
import type { Layer } from '../stack/stack.ts';
import { measure, RESPONSE_LABELS, ResponseSeries } from './measure.ts';

/** `response_latency_ms` buckets, from linkerd2-proxy's `linkerd/metrics/src/latency.rs`. */
export const LATENCY_BUCKETS_MS = [
  1, 2, 3, 4, 5, 10, 20, 30, 40, 50, 100, 200, 300, 400, 500, 1000, 2000, 3000, 4000, 5000, 10000,
  20000, 30000, 40000, 50000,
];

const TARGET = [
  'direction',
  'authority',
  'tls',
  'client_id',
  'server_id',
  'no_tls_reason',
  'dst_service',
] as const;
const RESPONSE = [...TARGET, ...RESPONSE_LABELS] as const;

export type Direction = 'inbound' | 'outbound';

/** The labels of one side of one connection: inbound knows the client, outbound the server. */
export interface TargetLabels {
  readonly direction: Direction;
  /** Outbound only: Linkerd leaves `authority` off inbound metrics. */
  readonly authority?: string;
  /** `true` over mesh mTLS; `no_identity` otherwise (with a reason). */
  readonly tls: 'true' | 'no_identity';
  readonly clientId?: string;
  readonly serverId?: string;
  readonly noTlsReason?: string;
  /** Outbound only: the logical service discovery resolved the request to. */
  readonly dstService?: string;
}

type LayerFactory = (labelsOf: (request: ProxyRequest) => TargetLabels) => Layer<HttpHandler>;

/** One set of families per registry: inbound and outbound share them, as in Linkerd. */
const perRegistry = new WeakMap<Registry, LayerFactory>();

export function createHttpMetrics(registry: Registry): LayerFactory {
  let factory = perRegistry.get(registry);
  if (!factory) {
    factory = buildFactory(registry);
    perRegistry.set(registry, factory);
  }
  return factory;
}

function buildFactory(registry: Registry): LayerFactory {
  const requests = registry.counter({
    name: 'request_total',
    help: 'Total count of HTTP requests.',
    labelNames: TARGET,
  });
  const responses = registry.counter({
    name: 'response_total',
    help: 'Total count of HTTP responses.',
    labelNames: RESPONSE,
  });
  const latency = registry.histogram({
    name: 'response_latency_ms',
    help: "Time from a request's headers to its response's headers (time to first byte), in milliseconds.",
    labelNames: [...TARGET, 'status_code'] as const,
    buckets: LATENCY_BUCKETS_MS,
  });
  const targetValues = (t: TargetLabels) =>
    [
      t.direction,
      t.authority ?? '',
      t.tls,
      t.clientId ?? '',
      t.serverId ?? '',
      t.noTlsReason ?? '',
      t.dstService ?? '',
    ] as const;
  /**
   * Label objects are shared per caller (inbound) and per endpoint and authority (outbound), so
   * each is turned into its series once.
   */
  const seriesOf = new WeakMap<TargetLabels, ResponseSeries>();
  const series = (labels: TargetLabels): ResponseSeries => {
    let found = seriesOf.get(labels);
    if (!found) {
      const target = targetValues(labels);
      found = new ResponseSeries(
        requests.labels(...target),
        (status) => latency.labels(...target, status),
        (...response) => responses.labels(...target, ...response),
      );
      seriesOf.set(labels, found);
    }
    return found;
  };

  /** Records every request through the layer; `labels` is decided per request (the peer). */
  return (labelsOf: (request: ProxyRequest) => TargetLabels): Layer<HttpHandler> =>
    (inner) =>
    (request) =>
      measure(series(labelsOf(request)), inner, request);
}
