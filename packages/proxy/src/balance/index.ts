/** Load balancing across a service's endpoints: power of two choices over peak-EWMA load. */
export type {
  BalanceOptions,
  Balancer,
  BalanceTarget,
  EndpointService,
  EndpointSnapshot,
  EndpointStatus,
  EndpointTarget,
  NewBalancer,
  NewEndpoint,
} from './balancer.ts';
export { balance } from './balancer.ts';
export type { FailureAccrualOptions } from './failure-accrual.ts';
export { failureAccrual, jitteredPenaltyMs } from './failure-accrual.ts';
export { pickP2c } from './p2c.ts';
export type { PeakEwmaOptions } from './peak-ewma.ts';
export { DEFAULT_DECAY_MS, DEFAULT_RTT_MS, PeakEwma } from './peak-ewma.ts';
