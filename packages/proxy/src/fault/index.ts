/** Fault injection: fusion.yaml's `faultInjections`, applied by the callee's inbound sidecar. */
export type { FaultKind, FaultOptions } from './fault.ts';
export { faultLayer } from './fault.ts';
