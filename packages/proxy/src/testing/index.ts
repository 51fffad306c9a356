/** Test helpers for whole-proxy tests (`@fusion/proxy/testing`). Not for production code. */
export type { TestMesh, TestWorkload } from './mesh.ts';
export { quietLogger, startTestMesh } from './mesh.ts';
