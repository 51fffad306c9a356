/**
 * Test helpers: a throwaway PKI and a fake identity service. Not exported from the package
 * root; other packages' tests would need a `./testing` entry in package.json exports.
 */
export type {
  CertifyCall,
  FakeIdentityServiceOptions,
  Tampering,
} from './fake-identity-service.ts';
export { FakeIdentityService, startFakeIdentityService } from './fake-identity-service.ts';
export {
  captureLogger,
  GATEWAY,
  IDENTITY_SERVICE_NAME,
  KERNEL,
  tokenDir,
  until,
} from './support.ts';
export type { TestPki } from './test-pki.ts';
export { createTestPki, issueFor } from './test-pki.ts';
