/**
 * Where a meshed instance's pieces listen, and the sidecar component that fronts it. Every
 * instance has a loopback address of its own (127.0.0.N, replica N-1) — its "pod IP" — and on
 * it the sidecar's inbound listener owns the service's published port, as Linkerd's proxy owns
 * the pod's ports through iptables. The app, the outbound listener and the admin listener sit
 * at fixed offsets from that port, so every address can be told from fusion.yaml alone.
 */
import type { FusionConfig, ServiceConfig } from '@fusion/mesh-types';
import { CONTROL_PLANE_NAMESPACE, workloadIdentity } from '@fusion/pki';

/** The app's private port: published port + 10000 (ai-kernel: 18001). */
export const APP_PORT_OFFSET = 10_000;
/** The sidecar's outbound listener, for the app's own calls: port + 20000 (ai-kernel: 28001). */
export const OUTBOUND_PORT_OFFSET = 20_000;
/** The sidecar's admin listener: port + 21000 (ai-kernel: 29001). */
export const ADMIN_PORT_OFFSET = 21_000;
/**
 * Linkerd's 100 ms default assumes a pod to itself. Here twenty processes share the cores, and
 * a sidecar whose event loop was held up that long would report a connect that had in fact
 * succeeded as timed out. A dead app is refused at once anyway; only a hung one waits this long.
 */
const APP_CONNECT_TIMEOUT = '1s';
/** How long a stopping sidecar lets in-flight requests finish (the supervisor kills at 15 s). */
const SHUTDOWN_GRACE = '10s';

export interface HostPort {
  readonly host: string;
  readonly port: number;
}

/** The addresses of one meshed instance, as `fusion status --json` lists them. */
export interface SidecarAddresses {
  readonly inbound: string;
  readonly outbound: string;
  readonly admin: string;
  readonly app: string;
}

export interface InstanceLayout {
  readonly inbound: HostPort;
  readonly outbound: HostPort;
  readonly admin: HostPort;
  readonly app: HostPort;
  /** Per opaque (`protocol: tcp`) dependency: where the app connects to reach it. */
  readonly tcpUpstreams: Readonly<Record<string, HostPort>>;
}

/**
 * Where an instance's app reaches an opaque dependency: the dependency's own port, on a
 * loopback address of this instance's alone (127.1.<service>.<replica>). An HTTP call names
 * its service in the request; a TCP connection can only say it by where it goes, and two
 * callers on one address would need the same port for the same service.
 */
export function tcpUpstreamHost(serviceIndex: number, replica: number): string {
  return `127.1.${serviceIndex + 1}.${replica + 1}`;
}

export function instanceLayout(
  service: ServiceConfig,
  host: string,
  tcpUpstreams: Readonly<Record<string, HostPort>> = {},
): InstanceLayout {
  const at = (offset: number): HostPort => {
    const port = service.port + offset;
    if (port > 65_535) {
      throw new Error(
        `service '${service.name}': port ${service.port} leaves no room for its sidecar ` +
          `(its admin port would be ${port}); use a port of ${65_535 - ADMIN_PORT_OFFSET} or less`,
      );
    }
    return { host, port };
  };
  return {
    inbound: at(0),
    app: at(APP_PORT_OFFSET),
    outbound: at(OUTBOUND_PORT_OFFSET),
    admin: at(ADMIN_PORT_OFFSET),
    tcpUpstreams,
  };
}

export function formatAddress(address: HostPort): string {
  return `${address.host}:${address.port}`;
}

export function sidecarAddresses(layout: InstanceLayout): SidecarAddresses {
  return {
    inbound: formatAddress(layout.inbound),
    outbound: formatAddress(layout.outbound),
    admin: formatAddress(layout.admin),
    app: formatAddress(layout.app),
  };
}

/** The sidecar's name beside its instance's: `ai-kernel-proxy`, `ai-kernel-1-proxy`. */
export function sidecarName(instance: string): string {
  return `${instance}-proxy`;
}

/**
 * Linkerd's proxy variables with the values the injector would give them, plus ours for what
 * Linkerd learns from the pod (the app's address, the service, whether it is the gateway).
 * The identity variables are added by the plan, which owns token files.
 */
export function sidecarEnv(
  config: FusionConfig,
  service: ServiceConfig,
  instance: string,
  layout: InstanceLayout,
): Record<string, string> {
  const { mesh, controlPlane } = config;
  const destination = workloadIdentity('destination', CONTROL_PLANE_NAMESPACE, mesh.trustDomain);
  const upstreams = Object.entries(layout.tcpUpstreams);
  return {
    // Linkerd's opaque-ports list: our inbound port in it makes the sidecar pipe bytes.
    ...(service.protocol === 'tcp'
      ? { LINKERD2_PROXY_INBOUND_PORTS_DISABLE_PROTOCOL_DETECTION: String(service.port) }
      : {}),
    ...(upstreams.length > 0
      ? {
          FUSION_PROXY_OUTBOUND_TCP: upstreams
            .map(([name, address]) => `${name}=${formatAddress(address)}`)
            .join(','),
        }
      : {}),
    LINKERD2_PROXY_LOG: mesh.proxyLogLevel,
    ...(mesh.accessLog === 'json' && { LINKERD2_PROXY_ACCESS_LOG: 'json' }),
    // JSON, so the supervisor's log files keep one record per line like every other component.
    LINKERD2_PROXY_LOG_FORMAT: 'json',
    LINKERD2_PROXY_INBOUND_LISTEN_ADDR: formatAddress(layout.inbound),
    LINKERD2_PROXY_OUTBOUND_LISTEN_ADDR: formatAddress(layout.outbound),
    LINKERD2_PROXY_ADMIN_LISTEN_ADDR: formatAddress(layout.admin),
    LINKERD2_PROXY_DESTINATION_SVC_ADDR: `127.0.0.1:${controlPlane.destinationPort}`,
    LINKERD2_PROXY_DESTINATION_SVC_NAME: destination.name,
    LINKERD2_PROXY_INBOUND_DEFAULT_POLICY: mesh.defaultInboundPolicy,
    FUSION_PROXY_HTTP1_MAX_REQUEST_LINE_BYTES: String(mesh.http1.maxRequestLineBytes),
    FUSION_PROXY_HTTP1_MAX_HEADER_BYTES: String(mesh.http1.maxHeaderBytes),
    FUSION_PROXY_HTTP1_MAX_HEADERS: String(mesh.http1.maxHeaders),
    FUSION_PROXY_HTTP1_HEADER_TIMEOUT: `${mesh.http1.headerTimeoutMs}ms`,
    FUSION_PROXY_HTTP1_IDLE_TIMEOUT: `${mesh.http1.idleTimeoutMs}ms`,
    LINKERD2_PROXY_SHUTDOWN_GRACE_PERIOD: SHUTDOWN_GRACE,
    LINKERD2_PROXY_INBOUND_CONNECT_TIMEOUT: APP_CONNECT_TIMEOUT,
    FUSION_PROXY_SERVICE: service.name,
    FUSION_PROXY_INSTANCE: instance,
    FUSION_PROXY_APP_ADDR: formatAddress(layout.app),
    FUSION_PROXY_APP_PROTOCOL: speaksH2c(service) ? 'h2c' : 'http1',
    // The control plane probes it through this sidecar before sending callers here.
    ...(service.protocol === 'tcp'
      ? {}
      : { FUSION_PROXY_APP_READINESS_PATH: service.readiness.path }),
    FUSION_PROXY_EXTERNAL: String(service.external),
    // Spans go to the collector fusion.yaml names, else to the control plane's receiver.
    LINKERD2_PROXY_TRACE_COLLECTOR_SVC_ADDR: traceCollectorAddress(config),
    FUSION_PROXY_TRACE_SAMPLING: String(config.observability.tracing.sampling),
  };
}

/** The OTLP/HTTP collector's base URL: fusion.yaml's, or the control plane's receiver. */
export function traceCollectorUrl(config: FusionConfig): string {
  const { collector, receiverPort } = config.observability.tracing;
  return collector ?? `http://127.0.0.1:${receiverPort}`;
}

/** The same as Linkerd's variable takes it: `host:port`. */
function traceCollectorAddress(config: FusionConfig): string {
  const url = new URL(traceCollectorUrl(config));
  return `${url.hostname}:${url.port || (url.protocol === 'https:' ? 443 : 80)}`;
}

function speaksH2c(service: ServiceConfig): boolean {
  return service.protocol === 'http2' || service.protocol === 'grpc';
}
