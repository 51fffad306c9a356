/** Putting credentials to work: servers that swap contexts in place, clients that follow rotation. */
export { meshServerIdentity, meshTlsOptions } from './client-options.ts';
export type { MeshAgentOptions } from './mesh-agent.ts';
export { createMeshAgent, MeshAgent } from './mesh-agent.ts';
export { bindServerCredentials, meshServerOptions } from './server.ts';
