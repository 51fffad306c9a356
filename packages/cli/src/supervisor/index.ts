/** The process supervisor behind `fusion up`. */
export type { BackoffPolicy } from './backoff.ts';
export { DEFAULT_BACKOFF, restartDelayMs } from './backoff.ts';
export { Component, describeExit } from './component.ts';
export { ConsoleView } from './console-view.ts';
export type { LogRecord } from './log-sink.ts';
export { LogSink, toRecord } from './log-sink.ts';
export type { ComponentSpec, Plan, PlanInputs, PreStop, Readiness, Tier } from './plan.ts';
export {
  buildPlan,
  logLevelFile,
  orderByDependencies,
  replicaHost,
  serviceEntry,
  TIERS,
} from './plan.ts';
export { probe, waitUntilReady } from './readiness.ts';
export type { SidecarAddresses } from './sidecar.ts';
export {
  ADMIN_PORT_OFFSET,
  APP_PORT_OFFSET,
  OUTBOUND_PORT_OFFSET,
  sidecarName,
} from './sidecar.ts';
export type {
  ComponentState,
  ComponentStatus,
  SupervisorPhase,
  SupervisorState,
} from './state-file.ts';
export {
  readState,
  removePidFile,
  runningSupervisor,
  writePidFile,
  writeState,
} from './state-file.ts';
export { Supervisor } from './supervisor.ts';
