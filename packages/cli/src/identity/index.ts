/** The CLI's side of mesh identity: the PKI directory, its setup and rotation, workload tokens. */
export type { PkiFiles } from './pki-dir.ts';
export { pkiExists, pkiFiles, readText } from './pki-dir.ts';
export type { BringYourOwn, PkiReport } from './pki-setup.ts';
export {
  anchorName,
  beginAnchorRotation,
  checkPki,
  ensurePki,
  finishAnchorRotation,
  issuerName,
  rotateIssuer,
} from './pki-setup.ts';
export type { TokenGrant } from './tokens.ts';
export { TOKEN_REFRESH_MS, TOKEN_TTL_MS, tokenFile, writeTokens } from './tokens.ts';
