/** Test helpers for whole-proxy tests (`@fusion/proxy/testing`). Not for production code. */
export type { TestMesh, TestWorkload } from './mesh.ts';
export { quietLogger, startTestMesh } from './mesh.ts';
export { sample } from './metrics.ts';
export type { PairOptions, ProxyPair } from './pair.ts';
export { startPair } from './pair.ts';
export type { ProxyPorts, ProxyProcess } from './process.ts';
export { freePort, startProxyProcess } from './process.ts';
export { CHUNK, digestOfChunks, latch, writeChunks } from './streams.ts';
