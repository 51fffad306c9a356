/**
 * Fixtures for the inbound proxy's tests. Not exported from the package: tests import them by
 * path, as they do the identity client's.
 */
export type { App, Seen } from './apps.ts';
export { startApp } from './apps.ts';
export type { Http1Reply, Reply } from './clients.ts';
export { call, http1Call, meshConnect, rawTlsExchange } from './clients.ts';
export type { KeyAndChain, Mesh } from './mesh.ts';
export { CALLER_ID, quietLogger, SERVER_ID, startMesh, startProxy } from './mesh.ts';
export { fakeRequest, latch, recordingHandler, sample } from './stubs.ts';
