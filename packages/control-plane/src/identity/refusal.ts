/**
 * A refused Certify call. The code is the stable part (metrics label, wire body, HTTP status);
 * the message names the offending value so an operator can fix the workload from one log line.
 */
import type { CertifyErrorBody, CertifyRefusalCode } from '@fusion/mesh-types';
import { CERTIFY_REFUSAL_STATUS } from '@fusion/mesh-types';

export class CertifyRefusal extends Error {
  override readonly name = 'CertifyRefusal';
  readonly code: CertifyRefusalCode;

  constructor(code: CertifyRefusalCode, message: string) {
    super(message);
    this.code = code;
  }

  /** 400 bad input, 403 not allowed, 503 try later: the table the client also reads. */
  get status(): number {
    return CERTIFY_REFUSAL_STATUS[this.code];
  }

  toBody(): CertifyErrorBody {
    return { error: { code: this.code, message: this.message } };
  }
}

/** Every refusal code, so metrics can expose each reason at 0 before it first happens. */
export const CERTIFY_REFUSAL_CODES = Object.keys(CERTIFY_REFUSAL_STATUS) as CertifyRefusalCode[];
