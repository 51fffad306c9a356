/** One Certify exchange with the identity service, and the stable codes of its failures. */
export type { CertifyParams } from './certify.ts';
export { certify } from './certify.ts';
export type { CertifyFailureCode } from './errors.ts';
export { CertifyError } from './errors.ts';
