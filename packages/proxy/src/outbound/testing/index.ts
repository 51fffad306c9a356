/** Test helpers for the outbound proxy: a fake peer inbound proxy and a small mesh. */
export type { Received } from './fake-peer.ts';
export { FakePeer, startFakePeer } from './fake-peer.ts';
export type { Mesh, Reply } from './mesh.ts';
export { GATEWAY, h1, h2c, sample, startMesh, X, Y } from './mesh.ts';
