/** Where a logical service's endpoints are, and which identity each must prove. */
export { serviceOfAuthority, splitHostPort } from './authority.ts';
export type { Discovery, DiscoveryListener, Endpoint } from './discovery.ts';
export { staticDiscovery } from './discovery.ts';
export type { FileDiscovery, FileDiscoveryOptions } from './file-discovery.ts';
export { fileDiscovery, parseDiscoveryFile } from './file-discovery.ts';
