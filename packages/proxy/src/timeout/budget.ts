/**
 * The time a request has left, as it travels: the seed's end-to-end timeout management, which
 * Linkerd does not have. The first sidecar that applies a timeout writes the budget into the
 * request, each next hop reads it and enforces the smaller of its own timeout and what is left,
 * and the service kit carries it onto the app's own calls (packages/service-kit/src/deadline).
 *
 * The budget is relative (milliseconds left when the header was written), as gRPC's is, so the
 * hops' clocks need not agree; what a hop spends before forwarding is subtracted by rewriting
 * the header as it forwards. gRPC requests get `grpc-timeout` too, which gRPC servers honour.
 */
import type { HeaderList } from '../http/headers.ts';

/** Milliseconds left, an integer ≥ 0. Also read by the service kit (its DEADLINE_HEADER). */
export const DEADLINE_HEADER = 'fusion-timeout-ms';
export const GRPC_TIMEOUT_HEADER = 'grpc-timeout';

/** Digits only, at most 9 (11.5 days): anything else is ignored rather than trusted. */
const BUDGET_SYNTAX = /^\d{1,9}$/;
/** gRPC's TimeoutValue is at most 8 digits, then a unit (PROTOCOL-HTTP2.md). */
const GRPC_TIMEOUT_SYNTAX = /^(\d{1,8})([HMSmun])$/;
const GRPC_UNIT_MS: Readonly<Record<string, number>> = {
  H: 3_600_000,
  M: 60_000,
  S: 1_000,
  m: 1,
  u: 0.001,
  n: 0.000_001,
};

/**
 * The budget the request carries, in ms: the smaller of `fusion-timeout-ms` and `grpc-timeout`,
 * or undefined when it carries neither (or only malformed ones, which are not ours to refuse).
 */
export function budgetOf(headers: HeaderList): number | undefined {
  const ours = headers.get(DEADLINE_HEADER);
  const grpc = headers.get(GRPC_TIMEOUT_HEADER);
  if (ours === undefined && grpc === undefined) return undefined;
  const fromOurs = ours !== undefined && BUDGET_SYNTAX.test(ours) ? Number(ours) : undefined;
  const fromGrpc = grpc === undefined ? undefined : parseGrpcTimeout(grpc);
  if (fromOurs === undefined) return fromGrpc;
  return fromGrpc === undefined ? fromOurs : Math.min(fromOurs, fromGrpc);
}

export function parseGrpcTimeout(value: string): number | undefined {
  const match = GRPC_TIMEOUT_SYNTAX.exec(value);
  if (!match) return undefined;
  return Number(match[1]) * (GRPC_UNIT_MS[match[2] as string] as number);
}

/** Writes what is left into the request's fields (gRPC's too, for a gRPC request). */
export function writeBudget(headers: HeaderList, remainingMs: number): void {
  const ms = Math.max(0, Math.floor(remainingMs));
  headers.set(DEADLINE_HEADER, String(ms));
  if (headers.get('content-type')?.startsWith('application/grpc') === true) {
    // Milliseconds fit gRPC's 8 digits up to 27 hours; beyond that, whole seconds.
    headers.set(GRPC_TIMEOUT_HEADER, ms < 100_000_000 ? `${ms}m` : `${Math.ceil(ms / 1000)}S`);
  }
}
