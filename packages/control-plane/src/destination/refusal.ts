/**
 * A refused destination call. The code is the stable part (wire body, HTTP status, metrics
 * label); the message names the values involved so one log line is enough to fix the caller.
 */
import type { DestinationErrorBody, DestinationRefusalCode } from '@fusion/mesh-types';
import { DESTINATION_REFUSAL_STATUS } from '@fusion/mesh-types';

export class DestinationRefusal extends Error {
  override readonly name = 'DestinationRefusal';
  readonly code: DestinationRefusalCode;

  constructor(code: DestinationRefusalCode, message: string) {
    super(message);
    this.code = code;
  }

  get status(): number {
    return DESTINATION_REFUSAL_STATUS[this.code];
  }

  toBody(): DestinationErrorBody {
    return { error: { code: this.code, message: this.message } };
  }
}

/** The reasons a registration can be refused, so metrics show each at 0 from the start. */
export const REGISTRATION_REFUSAL_CODES: readonly DestinationRefusalCode[] = [
  'malformed-request',
  'client-certificate-required',
  'client-identity-invalid',
  'service-identity-mismatch',
  'lease-unknown',
  'lease-identity-mismatch',
  'shutting-down',
];
