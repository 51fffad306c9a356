/**
 * The variables the proxy reads, besides the identity ones (identity-client's IDENTITY_ENV).
 * `LINKERD2_PROXY_*` are Linkerd's own names and meanings; `FUSION_PROXY_*` are what our
 * sidecar needs that Linkerd learns elsewhere (the app's port from iptables, the service name
 * from the pod, endpoints from the destination service).
 */
export const PROXY_ENV = {
  log: 'LINKERD2_PROXY_LOG',
  logFormat: 'LINKERD2_PROXY_LOG_FORMAT',
  inboundListen: 'LINKERD2_PROXY_INBOUND_LISTEN_ADDR',
  outboundListen: 'LINKERD2_PROXY_OUTBOUND_LISTEN_ADDR',
  adminListen: 'LINKERD2_PROXY_ADMIN_LISTEN_ADDR',
  destinationAddr: 'LINKERD2_PROXY_DESTINATION_SVC_ADDR',
  destinationName: 'LINKERD2_PROXY_DESTINATION_SVC_NAME',
  inboundDefaultPolicy: 'LINKERD2_PROXY_INBOUND_DEFAULT_POLICY',
  traceCollectorAddr: 'LINKERD2_PROXY_TRACE_COLLECTOR_SVC_ADDR',
  /** Share (0–1) of new traces an external (ingress) sidecar starts; default 0.1. */
  traceSampling: 'FUSION_PROXY_TRACE_SAMPLING',
  /** Linkerd's access log: `json` writes a line per inbound request; unset: none. */
  accessLog: 'LINKERD2_PROXY_ACCESS_LOG',
  shutdownEndpointEnabled: 'LINKERD2_PROXY_SHUTDOWN_ENDPOINT_ENABLED',
  shutdownGracePeriod: 'LINKERD2_PROXY_SHUTDOWN_GRACE_PERIOD',
  inboundConnectTimeout: 'LINKERD2_PROXY_INBOUND_CONNECT_TIMEOUT',
  outboundConnectTimeout: 'LINKERD2_PROXY_OUTBOUND_CONNECT_TIMEOUT',
  appAddr: 'FUSION_PROXY_APP_ADDR',
  appProtocol: 'FUSION_PROXY_APP_PROTOCOL',
  external: 'FUSION_PROXY_EXTERNAL',
  service: 'FUSION_PROXY_SERVICE',
  instance: 'FUSION_PROXY_INSTANCE',
  appReadinessPath: 'FUSION_PROXY_APP_READINESS_PATH',
  staticEndpoints: 'FUSION_PROXY_STATIC_ENDPOINTS',
  /** The audit log's file (fusion.yaml `mesh.audit`); unset: no audit log. */
  auditLog: 'FUSION_PROXY_AUDIT_LOG',
  /** Share of allowed requests recorded, 0–1; denials always are. */
  auditAllowed: 'FUSION_PROXY_AUDIT_ALLOWED',
  auditMaxBytes: 'FUSION_PROXY_AUDIT_MAX_BYTES',
  /** Ports served as opaque TCP: the inbound listen port listed means the app is opaque. */
  inboundOpaquePorts: 'LINKERD2_PROXY_INBOUND_PORTS_DISABLE_PROTOCOL_DETECTION',
  /** `service=host:port,…`: loopback listeners for the app's opaque TCP to mesh services. */
  outboundTcp: 'FUSION_PROXY_OUTBOUND_TCP',
  /** The HTTP/1.1 engine's limits and timeouts on every listener (fusion.yaml `mesh.http1`). */
  http1MaxRequestLineBytes: 'FUSION_PROXY_HTTP1_MAX_REQUEST_LINE_BYTES',
  http1MaxHeaderBytes: 'FUSION_PROXY_HTTP1_MAX_HEADER_BYTES',
  http1MaxHeaders: 'FUSION_PROXY_HTTP1_MAX_HEADERS',
  http1HeaderTimeout: 'FUSION_PROXY_HTTP1_HEADER_TIMEOUT',
  http1IdleTimeout: 'FUSION_PROXY_HTTP1_IDLE_TIMEOUT',
} as const;

/** Prefixes of the variables `GET /env.json` shows: the proxy's own, not the app's secrets. */
export const PROXY_ENV_PREFIXES = ['LINKERD2_PROXY_', 'FUSION_PROXY_'] as const;
