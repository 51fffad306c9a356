import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ProxyError } from '../errors/proxy-error.ts';
import { admissionOf } from './admission.ts';
import { policyLayer } from './policy.ts';
import { fakeRequest, recordingHandler } from './testing/index.ts';

describe('policyLayer', () => {
  it('refuses every request under deny, identity or not, without calling the app', async () => {
    const inner = recordingHandler();
    const handler = policyLayer(admissionOf('deny', false))(inner.handler);
    for (const clientId of ['web.default.serviceaccount.identity.cluster.local', undefined]) {
      await assert.rejects(handler(fakeRequest({}, { clientId })), (error: ProxyError) => {
        assert.equal(error.code, 'UNAUTHORIZED');
        assert.equal(error.status, 403);
        return true;
      });
    }
    assert.equal(inner.received.length, 0);
  });

  it('refuses a request without identity where the policy demands one', async () => {
    const inner = recordingHandler();
    const handler = policyLayer(admissionOf('all-authenticated', false))(inner.handler);
    await assert.rejects(handler(fakeRequest()), { code: 'UNAUTHORIZED' });
    const admitted = await handler(fakeRequest({}, { clientId: 'web.default.serviceaccount' }));
    assert.equal(admitted.status, 200);
    assert.equal(inner.received.length, 1);
  });

  it('costs nothing where every caller that got in is allowed', () => {
    const inner = recordingHandler().handler;
    for (const policy of ['all-unauthenticated', 'cluster-unauthenticated', 'audit'] as const) {
      assert.equal(policyLayer(admissionOf(policy, false))(inner), inner, policy);
    }
    // The gateway admits callers from outside the mesh whatever the mesh-wide default says.
    assert.equal(policyLayer(admissionOf('all-authenticated', true))(inner), inner);
  });
});
