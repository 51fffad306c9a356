/**
 * Outbound counters beyond Linkerd's request metrics: peers that proved the wrong identity
 * (a misconfiguration or an attack, and worth an alert either way), and requests the proxy
 * answered itself — FAIL_FAST and UNKNOWN_SERVICE never reach an endpoint, so they appear in no
 * `response_total` series.
 */
import type { Registry } from '@fusion/telemetry';
import { createHttpMetrics } from '../metrics/http-metrics.ts';
import type { HttpMetrics } from './endpoint.ts';

export function outboundMetrics(registry: Registry, shared: HttpMetrics | undefined) {
  return {
    // One set of request families per registry: inbound and outbound share it.
    http: shared ?? createHttpMetrics(registry),
    identityMismatch: registry.counter({
      name: 'outbound_tls_identity_mismatch_total',
      help: 'Mesh connections refused because the peer proved another identity than discovery named.',
      labelNames: ['server_id'],
    }),
    /** Linkerd's `outbound_http_errors_total`, labelled by our error code. */
    errors: registry.counter({
      name: 'outbound_http_errors_total',
      help: 'Outbound HTTP requests the proxy answered itself because of an error.',
      labelNames: ['error'],
    }),
  };
}
