/** The mesh client: call another service by name. */
export type { MeshErrorCode } from './errors.ts';
export { MeshError, UnknownServiceError } from './errors.ts';
export type { MeshClient, MeshClientOptions, MeshRequestInit } from './mesh-client.ts';
export { createMeshClient, DEFAULT_MESH_TIMEOUT_MS } from './mesh-client.ts';
export type { WhoamiHop } from './whoami.ts';
export { CLIENT_ID_HEADER, PROXY_ERROR_HEADER, WHOAMI_PATH, whoamiRoute } from './whoami.ts';
