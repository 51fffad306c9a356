/**
 * Every service is published on its own port, and none may take the embedded PostgreSQL's.
 * Replicas of one service share its port on purpose (the proxy balances across them), so
 * only different services are compared.
 */
import type { Node } from 'yaml';
import { At, type Context } from '../schema/index.ts';
import type { ServiceDraft } from '../sections/services.ts';

export interface PostgresPort {
  readonly port: number;
  /** The `port` node when it was written, undefined when the default applies. */
  readonly node: Node | undefined;
}

export function checkPorts(
  services: readonly ServiceDraft[],
  postgres: PostgresPort | undefined,
  ctx: Context,
): void {
  const owners = new Map<number, string>();
  if (postgres !== undefined) {
    const where =
      postgres.node === undefined
        ? 'the default of infrastructure.postgres.embedded.port'
        : ctx.where(postgres.node);
    owners.set(postgres.port, `the embedded postgres (${where})`);
  }
  for (const service of services) {
    const port = service.port;
    if (port === undefined) continue;
    const owner = owners.get(port.value);
    if (owner !== undefined) {
      new At(ctx, port.path).error(port.node, `port ${port.value} is already used by ${owner}`);
    } else {
      owners.set(port.value, `service '${service.name}' (${ctx.where(port.node)})`);
    }
  }
}
