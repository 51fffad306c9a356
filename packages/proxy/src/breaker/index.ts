/** The circuit breaker: the seed's connection-pool limits towards each called service. */
export type { BreakerLimit, BreakerOptions } from './breaker.ts';
export { CircuitBreaker } from './breaker.ts';
