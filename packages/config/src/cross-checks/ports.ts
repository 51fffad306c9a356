/**
 * Every service is published on its own port, and none may take a port the platform itself
 * uses (the embedded PostgreSQL, the control plane).
 * Replicas of one service share its port on purpose (the proxy balances across them), so
 * only different services are compared.
 */
import type { Node } from 'yaml';
import { At, type Context } from '../schema/index.ts';
import type { ServiceDraft } from '../sections/services.ts';

export interface ReservedPort {
  readonly port: number;
  /** The `port` node when it was written, undefined when the default applies. */
  readonly node: Node | undefined;
  /** Who holds it, e.g. `the embedded postgres`. */
  readonly owner: string;
  /** The key path, for messages about its default, e.g. `infrastructure.postgres.embedded.port`. */
  readonly path: string;
}

export function checkPorts(
  services: readonly ServiceDraft[],
  reserved: readonly ReservedPort[],
  ctx: Context,
): void {
  const owners = new Map<number, string>();
  for (const held of reserved) {
    const where = held.node === undefined ? `the default of ${held.path}` : ctx.where(held.node);
    owners.set(held.port, `${held.owner} (${where})`);
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
