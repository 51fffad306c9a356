/**
 * Endpoint readiness, as the kubelet and the endpoints controller give it to Linkerd: each
 * registered endpoint that named a readiness path is asked for it through its own inbound
 * listener — over mTLS with the destination's certificate, its peer identity checked like any
 * caller's — so one probe covers the sidecar and the app behind it. An endpoint joins the sets
 * callers get after its first 2xx and leaves them after two failures in a row; its lease is
 * untouched either way. A new endpoint is probed at once, so an app that is up gets traffic
 * in milliseconds and one that is still starting gets none.
 */
import http2 from 'node:http2';
import type { SecureContextOptions } from 'node:tls';
import type { Logger } from '@fusion/telemetry';
import type { EndpointRegistry, HeldEndpoint } from './registry.ts';

export interface ProberOptions {
  readonly registry: EndpointRegistry;
  /** The destination's own key and chain, with the anchors: current at each new session. */
  readonly tls: () => SecureContextOptions;
  readonly logger: Logger;
  /** Between probes of a ready endpoint (default 2 s). */
  readonly intervalMs?: number;
  /** Between probes of one not ready yet (default 250 ms): a starting app is let in quickly. */
  readonly unreadyIntervalMs?: number;
  /** A probe with no answer by then has failed (default 1 s). */
  readonly timeoutMs?: number;
}

/** Failures in a row that take a ready endpoint out (Kubernetes' default failureThreshold is 3). */
const FAILURES_TO_UNREADY = 2;

interface Probe {
  readonly service: string;
  readonly address: string;
  readonly identity: string;
  readonly path: string;
  timer: NodeJS.Timeout | undefined;
  session: http2.ClientHttp2Session | undefined;
  failures: number;
}

export class ReadinessProber {
  readonly #options: ProberOptions;
  readonly #probes = new Map<string, Probe>();
  readonly #unwatch: () => void;
  #closed = false;

  constructor(options: ProberOptions) {
    this.#options = options;
    this.#unwatch = options.registry.onChange((change, service, endpoint) => {
      if (change === 'ready' || change === 'unready') return;
      this.#sync(service, endpoint.address);
    });
  }

  close(): void {
    this.#closed = true;
    this.#unwatch();
    for (const probe of this.#probes.values()) this.#stop(probe);
    this.#probes.clear();
  }

  /** Starts, restarts or stops probing the endpoint at `address`, as the registry holds it. */
  #sync(service: string, address: string): void {
    const key = `${service} ${address}`;
    const existing = this.#probes.get(key);
    if (existing) this.#stop(existing);
    this.#probes.delete(key);
    const held = this.#options.registry
      .held()
      .find((h) => h.service === service && h.endpoint.address === address);
    if (!held?.readinessPath || this.#closed) return;
    const probe = probeOf(held, held.readinessPath);
    this.#probes.set(key, probe);
    this.#schedule(probe, 0);
  }

  #schedule(probe: Probe, delayMs: number): void {
    probe.timer = setTimeout(() => void this.#run(probe), delayMs);
    probe.timer.unref();
  }

  async #run(probe: Probe): Promise<void> {
    const outcome = await this.#ask(probe);
    if (this.#probes.get(`${probe.service} ${probe.address}`) !== probe) return;
    const { registry, logger } = this.#options;
    const fields = { service: probe.service, address: probe.address, path: probe.path };
    if (outcome === true) {
      if (probe.failures > 0) logger.debug(fields, 'readiness probe passed');
      probe.failures = 0;
      registry.setReady(probe.service, probe.address, true);
    } else {
      probe.failures += 1;
      if (probe.failures === FAILURES_TO_UNREADY) {
        logger.warn({ ...fields, reason: outcome }, 'endpoint not ready; callers stop using it');
        registry.setReady(probe.service, probe.address, false);
      }
    }
    const ready = registry.held().some((h) => h.endpoint.address === probe.address && h.ready);
    const interval = ready
      ? (this.#options.intervalMs ?? 2_000)
      : (this.#options.unreadyIntervalMs ?? 250);
    this.#schedule(probe, interval);
  }

  /** true on a 2xx; otherwise why not. */
  #ask(probe: Probe): Promise<true | string> {
    const timeoutMs = this.#options.timeoutMs ?? 1_000;
    return new Promise((resolve) => {
      const session = this.#session(probe);
      const request = session.request({
        ':method': 'GET',
        ':path': probe.path,
        ':authority': probe.service,
      });
      const timer = setTimeout(() => {
        request.close(http2.constants.NGHTTP2_CANCEL);
        resolve(`no answer within ${timeoutMs} ms`);
      }, timeoutMs);
      request.on('response', (headers) => {
        const status = Number(headers[':status']);
        clearTimeout(timer);
        request.resume();
        resolve(
          status >= 200 && status < 300
            ? true
            : `HTTP ${status} ${headers['l5d-proxy-error'] ?? ''}`.trim(),
        );
      });
      request.on('error', (error) => {
        clearTimeout(timer);
        resolve(error.message);
      });
      request.end();
    });
  }

  /** One long-lived session per endpoint, as callers hold: probes cost no handshake. */
  #session(probe: Probe): http2.ClientHttp2Session {
    if (probe.session && !probe.session.closed && !probe.session.destroyed) return probe.session;
    const session = http2.connect(`https://${probe.address}`, {
      ...this.#options.tls(),
      ALPNProtocols: ['h2'],
      // As callers do: the identity as the server name, never the IP (which TLS does not allow).
      servername: probe.identity,
      // The endpoint must prove the identity it registered with, as it must to any caller.
      checkServerIdentity: (_host, cert) =>
        cert.subjectaltname?.split(', ').includes(`DNS:${probe.identity}`)
          ? undefined
          : new Error(`the endpoint's certificate does not name ${probe.identity}`),
    });
    session.on('error', () => session.destroy());
    session.unref();
    probe.session = session;
    return session;
  }

  #stop(probe: Probe): void {
    clearTimeout(probe.timer);
    probe.session?.destroy();
  }
}

function probeOf(held: HeldEndpoint, path: string): Probe {
  return {
    service: held.service,
    address: held.endpoint.address,
    identity: held.endpoint.identity,
    path,
    timer: undefined,
    session: undefined,
    failures: 0,
  };
}
