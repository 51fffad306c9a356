/**
 * The per-request half of the default policy: `deny` refuses every request, and a policy that
 * demands a mesh identity refuses a request that arrived without one. The handshake already
 * rejects such callers; checking again here means a listener mistake cannot open the app.
 */
import { ProxyError } from '../errors/proxy-error.ts';
import type { HttpHandler } from '../http/message.ts';
import type { Layer } from '../stack/stack.ts';
import type { Admission } from './admission.ts';

/** Refuses what `admission` forbids with UNAUTHORIZED (403 through the rescue layer). */
export function policyLayer(admission: Admission): Layer<HttpHandler> {
  if (admission.denyAll) {
    const refusal = `the inbound default policy is ${admission.policy}`;
    return () => async () => {
      throw new ProxyError('UNAUTHORIZED', refusal);
    };
  }
  // Every other policy admits any caller that got through the handshake: nothing to do.
  if (!admission.requireIdentity) return (inner) => inner;
  const refusal = `the inbound default policy ${admission.policy} requires a mesh identity`;
  return (inner) => (request) => {
    if (request.ctx.clientId === undefined) {
      return Promise.reject(new ProxyError('UNAUTHORIZED', refusal));
    }
    return inner(request);
  };
}
