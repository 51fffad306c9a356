/**
 * The four routes every service has. /health is liveness (the process can answer at all);
 * /ready is readiness (its own dependencies, database and kv, answer). Neither calls other
 * services: one service being down must not make its callers look dead.
 */
import { PROMETHEUS_CONTENT_TYPE } from '@fusion/telemetry';
import type { ReadinessCheck, ServiceApp, ServiceContext } from './context.ts';
import { runReadinessChecks } from './readiness.ts';

export function registerBuiltinRoutes(
  app: ServiceApp,
  ctx: ServiceContext,
  extraChecks: Readonly<Record<string, ReadinessCheck>> = {},
): void {
  const checks = new Map<string, () => unknown>();
  const { db, kv } = ctx;
  if (db !== undefined) checks.set('database', () => db.ping());
  checks.set('kv', () => kv.ping());
  for (const [name, check] of Object.entries(extraChecks)) checks.set(name, () => check(ctx));

  // A service that registered one of these itself keeps its own.
  const free = (url: string) => !app.hasRoute({ method: 'GET', url });

  if (free('/health')) {
    app.get('/health', async () => ({ status: 'ok' }));
  }
  if (free('/ready')) {
    app.get('/ready', async (_request, reply) => {
      const report = await runReadinessChecks(checks);
      reply.code(report.ready ? 200 : 503);
      return { status: report.ready ? 'ready' : 'unready', checks: report.checks };
    });
  }
  if (free('/metrics')) {
    app.get('/metrics', async (_request, reply) => {
      reply.header('content-type', PROMETHEUS_CONTENT_TYPE);
      return ctx.metrics.expose();
    });
  }
  if (free('/info')) {
    app.get('/info', async () => ({
      name: ctx.name,
      version: ctx.version,
      uptimeSeconds: Math.round(performance.now() - ctx.startedAt) / 1000,
      dependencies: ctx.env.dependencies,
      pid: process.pid,
    }));
  }
}
