/** Credentials (key, chain, anchors held in memory) and the mesh's peer identity rule. */
export type { MeshCertificate } from './certificate.ts';
export { parseCertificate, parsePemCertificates, signedBy, signedByAny } from './certificate.ts';
export type { Credentials, CredentialsParts } from './credentials.ts';
export { createCredentials } from './credentials.ts';
export { checkPeerIdentity, dnsNamesOf, PeerIdentityError } from './peer-identity.ts';
