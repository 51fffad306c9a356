/**
 * Opaque TCP through the mesh, for apps that do not speak HTTP (fusion.yaml `protocol: tcp`):
 * inbound, an mTLS server on the service's port piping to the app; outbound, a loopback
 * listener per upstream service piping over mTLS to one of its endpoints. See
 * docs/decisions/0011-opaque-tcp.md.
 */
export { OpenConnections } from './drain.ts';
export { EndpointPicker } from './endpoints.ts';
export type { OpaqueInbound, OpaqueInboundOptions } from './inbound.ts';
export { startOpaqueInbound } from './inbound.ts';
export type { TcpOutbound, TcpOutboundOptions, TcpUpstream } from './outbound.ts';
export { startTcpOutbound } from './outbound.ts';
export type { PipeResult } from './pipe.ts';
export { pipeBothWays } from './pipe.ts';
