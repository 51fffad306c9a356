/** Test helpers for the outbound proxy: a fake peer inbound proxy and a small mesh. */
export { sample } from '../../testing/metrics.ts';
export type { Received } from './fake-peer.ts';
export { FakePeer, startFakePeer } from './fake-peer.ts';
export type { Mesh, Reply } from './mesh.ts';
export { GATEWAY, h1, h2c, startMesh, X, Y } from './mesh.ts';
export { policySource } from './policy-source.ts';
