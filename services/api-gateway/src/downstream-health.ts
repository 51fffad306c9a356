/**
 * The gateway's GET /health: the state of every service it depends on, asked in parallel through
 * the mesh. It answers 503 when any is down, naming them, so `curl :8000/health` tells an operator
 * what is broken. The supervisor must not use it as the gateway's own liveness (that is /ready,
 * which does not look downstream): one dead service must not get the gateway restarted.
 */
import {
  type MeshClient,
  PROXY_ERROR_HEADER,
  type ServiceApp,
  type ServiceContext,
} from '@fusion/service-kit';

export type DownstreamStatus =
  | { readonly status: 'up'; readonly latencyMs: number }
  | { readonly status: 'down'; readonly error: string };

export interface DownstreamReport {
  readonly status: 'ok' | 'degraded';
  /** Present when degraded: the services that are down, in dependency order. */
  readonly down?: readonly string[];
  readonly services: Readonly<Record<string, DownstreamStatus>>;
}

/** Per-service deadline: a hung service is reported down rather than hanging the report. */
export const DOWNSTREAM_TIMEOUT_MS = 1000;

export async function checkDownstream(
  mesh: MeshClient,
  services: readonly string[],
  timeoutMs = DOWNSTREAM_TIMEOUT_MS,
): Promise<DownstreamReport> {
  const results = await Promise.all(services.map((name) => probe(mesh, name, timeoutMs)));
  const report: Record<string, DownstreamStatus> = {};
  const down: string[] = [];
  services.forEach((name, i) => {
    const result = results[i]!;
    report[name] = result;
    if (result.status === 'down') down.push(name);
  });
  return down.length === 0
    ? { status: 'ok', services: report }
    : { status: 'degraded', down, services: report };
}

/** Replaces the kit's GET /health with the aggregated one. */
export function registerAggregateHealth(app: ServiceApp, ctx: ServiceContext): void {
  app.get('/health', async (_request, reply) => {
    const report = await checkDownstream(ctx.mesh, ctx.env.dependencies);
    reply.code(report.status === 'ok' ? 200 : 503);
    // The gateway is answering, so it is up too: the report covers the whole platform.
    const self: DownstreamStatus = { status: 'up', latencyMs: 0 };
    return { ...report, services: { [ctx.name]: self, ...report.services } };
  });
}

async function probe(mesh: MeshClient, name: string, timeoutMs: number): Promise<DownstreamStatus> {
  const started = performance.now();
  try {
    const res = await mesh.fetch(name, '/health', { timeoutMs });
    // Read the body so the connection goes back to the pool.
    await res.arrayBuffer();
    if (!res.ok) {
      // A sidecar that could not reach the service says why; that beats a bare status.
      const reason = res.headers.get(PROXY_ERROR_HEADER);
      return {
        status: 'down',
        error: reason ? `HTTP ${res.status}: ${reason}` : `HTTP ${res.status}`,
      };
    }
    return { status: 'up', latencyMs: Math.round((performance.now() - started) * 10) / 10 };
  } catch (error) {
    return { status: 'down', error: (error as Error).message };
  }
}
