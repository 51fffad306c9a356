/**
 * Why a certify attempt failed, as a stable code: the identity service's own refusal codes
 * (from its CertifyErrorBody) plus the failures only the client can see. Logs, the
 * `certify-failed` event and tests all key on `code`, never on message wording.
 */
import type { CertifyRefusalCode } from '@fusion/mesh-types';

export type CertifyFailureCode =
  | CertifyRefusalCode
  /** The token file is missing, unreadable or empty. */
  | 'token-unreadable'
  /** No connection to the identity service (refused, reset, DNS, …). */
  | 'unreachable'
  /** The identity service's certificate does not chain to the trust anchors. */
  | 'server-untrusted'
  /** The identity service's certificate chains, but names someone else. */
  | 'server-identity-mismatch'
  | 'timeout'
  /** The service answered something that is not a CertifyResponse or CertifyErrorBody. */
  | 'bad-response'
  /** The issued leaf certifies a key other than the one we sent (defence in depth). */
  | 'leaf-key-mismatch'
  /** The issued leaf names an identity other than ours. */
  | 'leaf-identity-mismatch'
  /** The issued chain does not lead to one of our trust anchors. */
  | 'leaf-untrusted'
  | 'leaf-expired'
  /** The client was stopped while the call was in flight. */
  | 'aborted'
  /** Anything else (a bug, or a crypto failure): still retried, never fatal to the timer. */
  | 'internal';

export class CertifyError extends Error {
  readonly code: CertifyFailureCode;
  /** The HTTP status, when the identity service answered at all. */
  readonly status: number | undefined;

  constructor(
    code: CertifyFailureCode,
    message: string,
    options: { status?: number; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'CertifyError';
    this.code = code;
    this.status = options.status;
  }
}
